// Stable against canary AgentVersion: every compared field side by side (changed rows marked in text,
// not only color) and the inline system prompt as an aligned line diff.
import { type Html, html } from '../html.js';
import type { DiffRow, LinePair, Section, VersionDiff } from '../version-diff.js';

const SECTIONS: Section[] = ['Version', 'Model', 'Prompt', 'Tools', 'Parameters'];

function cell(text: string): Html {
  return text === '' ? html`<span class="muted">—</span>` : html`<span class="pre">${text}</span>`;
}

function rowsTable(section: Section, rows: DiffRow[], names: { stable: string; canary: string }): Html {
  if (rows.length === 0) return html``;
  return html`<table class="diff">
  <caption>${section}</caption>
  <thead><tr><th scope="col">field</th><th scope="col">stable (${names.stable})</th><th scope="col">canary (${names.canary})</th><th scope="col">changed</th></tr></thead>
  <tbody>${rows.map(
    (r) =>
      html`<tr class="${r.changed ? 'changed' : 'same'}" data-field="${r.field}"><th scope="row">${r.field}</th><td>${cell(r.stable)}</td><td>${cell(r.canary)}</td><td>${r.changed ? 'changed' : html`<span class="muted">same</span>`}</td></tr>`,
  )}</tbody>
</table>`;
}

function promptDiff(lines: LinePair[]): Html {
  const mark = (kind: string) =>
    kind === 'removed' || kind === 'added'
      ? html`<span class="mark" aria-hidden="true">${kind === 'removed' ? '−' : '+'}</span><span class="visually-hidden">${kind}: </span>`
      : html`<span class="mark" aria-hidden="true"></span>`;
  return html`<table class="prompt-diff">
  <caption>System prompt, line by line</caption>
  <thead><tr><th scope="col">stable</th><th scope="col">canary</th></tr></thead>
  <tbody>${lines.map(
    (l) =>
      html`<tr><td class="line line-${l.left.kind}">${mark(l.left.kind)}<span class="pre">${l.left.text}</span></td><td class="line line-${l.right.kind}">${mark(l.right.kind)}<span class="pre">${l.right.text}</span></td></tr>`,
  )}</tbody>
</table>`;
}

export function diffBody(diff: VersionDiff, names: { stable: string; canary: string }): Html {
  return html`<p class="diff-summary">${diff.changed} of ${diff.rows.length} fields differ between <strong>${names.stable}</strong> (stable) and <strong>${names.canary}</strong> (canary).</p>
${SECTIONS.map((s) =>
  rowsTable(
    s,
    diff.rows.filter((r) => r.section === s),
    names,
  ),
)}
${diff.prompt ? promptDiff(diff.prompt) : ''}`;
}

export function missingBody(problems: string[]): Html {
  return html`<div class="problems" role="alert"><ul>${problems.map((p) => html`<li>${p}</li>`)}</ul></div>`;
}

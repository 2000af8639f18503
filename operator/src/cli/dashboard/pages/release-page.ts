// A release: summary and the operator's answer to the last request, control buttons, steps with the
// current one marked, weight over time, one chart per analysis metric, and the release's Events.
import type { ControlResult } from '../../../api/v1alpha1/index.js';
import { type Html, html } from '../html.js';
import type { ReleaseModel } from '../release-model.js';
import { metricFigure, weightFigure } from './charts.js';
import { badge, region, time } from './layout.js';
import { weightMeter } from './overview-page.js';

function lastControl(c: ControlResult | undefined, pending: ReleaseModel['summary']['pendingControl']): Html {
  const last = c
    ? html`<p class="last-control" data-last-control-id="${c.id}" data-outcome="${c.outcome}">Last request: <strong>${c.action}</strong> ${badge(c.outcome)} ${c.message ? html`— ${c.message}` : ''} <small class="muted">(id ${c.id}, handled ${time(c.handledAt)})</small></p>`
    : html`<p class="last-control muted">No request handled yet.</p>`;
  const waiting = pending
    ? html`<p class="pending-control" data-pending-control-id="${pending.id}">Waiting for the operator: <strong>${pending.action}</strong> <small class="muted">(id ${pending.id})</small></p>`
    : html``;
  return html`${last}${waiting}`;
}

function summary(m: ReleaseModel): Html {
  const s = m.summary;
  return html`<dl class="summary">
  <div><dt>phase</dt><dd id="phase" data-phase="${s.phase}">${badge(s.phase, s.pauseReason)}</dd></div>
  <div><dt>step</dt><dd id="step">${s.step}${s.stepLabel ? html` <small>${s.stepLabel}</small>` : ''}</dd></div>
  <div><dt>weight</dt><dd id="weight" data-weight="${s.weight}">${weightMeter(s.weight, 'canary weight')}</dd></div>
  <div><dt>army/agent</dt><dd>${s.target}</dd></div>
  <div><dt>stable → canary</dt><dd>${s.from || '-'} → ${s.to || '-'}${m.diffHref ? html` <a href="${m.diffHref}">what changed</a>` : ''}</dd></div>
  <div><dt>started</dt><dd>${time(s.startedAt)}</dd></div>
  ${s.pausedAt ? html`<div><dt>paused since</dt><dd>${time(s.pausedAt)}</dd></div>` : ''}
  ${s.finishedAt ? html`<div><dt>finished</dt><dd>${time(s.finishedAt)}</dd></div>` : ''}
</dl>
${s.message ? html`<p class="message" id="release-message">${s.message}</p>` : ''}
${lastControl(s.lastControl, s.pendingControl)}`;
}

function controls(m: ReleaseModel): Html {
  return html`<div class="buttons" role="group" aria-label="Release control">${m.actions.map(
    (a) =>
      html`<button type="button" id="action-${a.action}" data-action="${a.action}" aria-describedby="action-${a.action}-desc"${a.enabled ? '' : ' disabled'}>${a.label}</button>`,
  )}</div>
<ul class="visually-hidden">${m.actions.map((a) => html`<li id="action-${a.action}-desc">${a.description}${a.enabled ? '' : ' (not possible in this phase)'}</li>`)}</ul>`;
}

function steps(m: ReleaseModel): Html {
  return html`<ol class="steps">${m.steps.map(
    (s) =>
      html`<li class="step step-${s.state}"${s.state === 'current' ? html` aria-current="step"` : ''}><span class="step-n">${s.index + 1}</span> ${s.label} <span class="visually-hidden">(${s.state})</span></li>`,
  )}</ol>`;
}

function events(m: ReleaseModel): Html {
  if (m.events.length === 0)
    return html`<p class="empty">No Events (they expire after an hour by default).</p>`;
  return html`<table class="events">
  <caption class="visually-hidden">Events of the release, newest first</caption>
  <thead><tr><th scope="col">last seen</th><th scope="col">type</th><th scope="col">reason</th><th scope="col">count</th><th scope="col">message</th></tr></thead>
  <tbody>${m.events.map(
    (e) =>
      html`<tr class="event-${e.type.toLowerCase()}"><td>${time(e.time)}</td><td>${e.type}</td><td>${e.reason}</td><td>${e.count}</td><td class="message">${e.message}</td></tr>`,
  )}</tbody>
</table>`;
}

export function releaseRegions(m: ReleaseModel): Record<string, Html> {
  return {
    summary: summary(m),
    controls: controls(m),
    steps: steps(m),
    timeline: weightFigure(m.timeline),
    analysis: m.charts.length
      ? html`${m.charts.map(metricFigure)}`
      : html`<p class="empty">This release has no analysis.</p>`,
    events: events(m),
  };
}

export function releaseBody(regions: Record<string, Html>): Html {
  const r = (name: string) => regions[name] ?? html``;
  return html`<section aria-labelledby="summary-h"><h2 id="summary-h" class="visually-hidden">Summary</h2>${region('summary', r('summary'))}</section>
<section aria-labelledby="controls-h" class="controls"><h2 id="controls-h" tabindex="-1">Control</h2>
${region('controls', r('controls'))}
<p id="control-result" class="control-result" role="status" aria-live="polite"></p>
<p id="control-error" class="control-error" role="alert"></p>
</section>
<div class="columns">
<section aria-labelledby="steps-h"><h2 id="steps-h">Steps</h2>${region('steps', r('steps'))}</section>
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Weight</h2>${region('timeline', r('timeline'))}</section>
</div>
<section aria-labelledby="analysis-h"><h2 id="analysis-h">Analysis</h2>${region('analysis', r('analysis'))}</section>
<section aria-labelledby="events-h"><h2 id="events-h">Events</h2>${region('events', r('events'))}</section>`;
}

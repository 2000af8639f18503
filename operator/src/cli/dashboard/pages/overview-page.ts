// The overview: armies (agents, versions, phases, conditions) and releases (step, weight, phase), in
// regions the server pushes again on every change.
import { type Html, html } from '../html.js';
import type { ArmyRow, OverviewModel, ReleaseRow } from '../overview-model.js';
import { badge, region } from './layout.js';

function conditions(army: ArmyRow): Html {
  if (army.conditions.length === 0) return html`<span class="muted">none yet</span>`;
  return html`<ul class="conditions">${army.conditions.map(
    (c) =>
      html`<li class="condition condition-${c.status.toLowerCase()}" title="${c.message}"><span>${c.type}</span>=${c.status}${c.reason ? html` <small>${c.reason}</small>` : ''}</li>`,
  )}</ul>`;
}

function armyCard(army: ArmyRow): Html {
  const id = `army-${army.namespace}-${army.name}`;
  return html`<article class="card army" id="${id}" aria-labelledby="${id}-h" data-army="${army.namespace}/${army.name}">
  <h3 id="${id}-h">${army.name} <small class="muted">${army.namespace}</small> ${badge(army.phase)} <small>${army.ready} ready</small></h3>
  ${conditions(army)}
  <table>
    <caption class="visually-hidden">Agents of ${army.name}</caption>
    <thead><tr><th scope="col">agent</th><th scope="col">strategy</th><th scope="col">phase</th><th scope="col">stable</th><th scope="col">desired</th><th scope="col">ready</th><th scope="col">message</th></tr></thead>
    <tbody>${army.agents.map(
      (a) => html`<tr>
      <th scope="row">${a.releaseHref ? html`<a href="${a.releaseHref}">${a.name}</a>` : a.name}</th>
      <td>${a.strategy}</td><td>${badge(a.phase)}</td><td>${a.stableVersion}</td><td>${a.desiredVersion}</td>
      <td>${a.ready}</td><td class="message">${a.message}</td></tr>`,
    )}</tbody>
  </table>
</article>`;
}

export function weightMeter(weight: number, label: string): Html {
  return html`<span class="weight"><meter min="0" max="100" value="${weight}" aria-label="${label}">${weight}%</meter> <span class="weight-value">${weight}%</span></span>`;
}

function releaseTable(rows: ReleaseRow[]): Html {
  if (rows.length === 0) return html`<p class="empty">No CanaryRelease here yet.</p>`;
  return html`<table class="releases">
  <caption class="visually-hidden">Canary releases</caption>
  <thead><tr><th scope="col">release</th><th scope="col">army/agent</th><th scope="col">phase</th><th scope="col">step</th><th scope="col">weight</th><th scope="col">stable → canary</th><th scope="col">message</th></tr></thead>
  <tbody>${rows.map(
    (r) => html`<tr data-release="${r.namespace}/${r.name}">
    <th scope="row"><a href="${r.href}">${r.name}</a> <small class="muted">${r.namespace}</small></th>
    <td>${r.target}</td>
    <td>${badge(r.phase, r.pauseReason)}</td>
    <td>${r.step}${r.stepLabel ? html` <small>${r.stepLabel}</small>` : ''}</td>
    <td>${weightMeter(r.weight, `canary weight of ${r.name}`)}</td>
    <td>${r.from || '-'} → ${r.diffHref ? html`<a href="${r.diffHref}" aria-label="changes from ${r.from} to ${r.to}">${r.to}</a>` : r.to || '-'}</td>
    <td class="message">${r.message}</td></tr>`,
  )}</tbody>
</table>`;
}

function problems(m: OverviewModel): Html {
  const items = [
    ...m.problems.map((p) => html`<li>${p}</li>`),
    ...m.invalid.map((o) => html`<li>${o.kind} ${o.key} cannot be shown: ${o.message}</li>`),
  ];
  if (items.length === 0) return html``;
  return html`<div class="problems" role="alert"><h2>Problems</h2><ul>${items}</ul></div>`;
}

export function overviewRegions(m: OverviewModel): Record<string, Html> {
  return {
    problems: problems(m),
    releases: releaseTable(m.releases),
    armies:
      m.armies.length === 0
        ? html`<p class="empty">No AgentArmy here yet.</p>`
        : html`${m.armies.map(armyCard)}`,
  };
}

export function overviewBody(regions: Record<string, Html>): Html {
  return html`${region('problems', regions.problems ?? html``)}
<section aria-labelledby="releases-h"><h2 id="releases-h">Releases</h2>${region('releases', regions.releases ?? html``)}</section>
<section aria-labelledby="armies-h"><h2 id="armies-h">Armies</h2>${region('armies', regions.armies ?? html``)}</section>`;
}

// Chart payloads for the page script (uPlot draws them) and their accessible fallbacks: every chart has a
// text label and a table of the same numbers. Pure.
import { formatNumber } from '../../../analysis/evaluate.js';
import { type Html, html, jsonAttr } from '../html.js';
import type { ChartPoint, MetricChart } from '../metric-charts.js';
import type { WeightPoint } from '../weight-timeline.js';
import { time } from './layout.js';

/** How the page script styles a series. */
export type SeriesStyle =
  | 'canary'
  | 'stable'
  | 'upper'
  | 'lower'
  | 'fail'
  | 'inconclusive'
  | 'error'
  | 'weight';

export interface ChartPayload {
  kind: 'metric' | 'weight' | 'live';
  title: string;
  /** Unix seconds, ascending. */
  xs: number[];
  series: Array<{ label: string; style: SeriesStyle; values: Array<number | null> }>;
}

const secs = (t: string) => Date.parse(t) / 1000;
const num = (v: number | null) => (v === null ? '-' : formatNumber(v));

/** Where a measurement without a value is marked: on the bound it was judged against, else at 0. */
const markAt = (p: ChartPoint) => p.canary ?? p.upper ?? p.lower ?? 0;

export function metricPayload(chart: MetricChart): ChartPayload {
  const pts = chart.points;
  const series: ChartPayload['series'] = [
    { label: 'canary', style: 'canary', values: pts.map((p) => p.canary) },
  ];
  if (pts.some((p) => p.stable !== null))
    series.push({ label: 'stable', style: 'stable', values: pts.map((p) => p.stable) });
  if (pts.some((p) => p.upper !== null))
    series.push({ label: 'threshold (max)', style: 'upper', values: pts.map((p) => p.upper) });
  if (pts.some((p) => p.lower !== null))
    series.push({ label: 'threshold (min)', style: 'lower', values: pts.map((p) => p.lower) });
  const marks: Array<['Fail' | 'Inconclusive' | 'Error', SeriesStyle]> = [
    ['Fail', 'fail'],
    ['Inconclusive', 'inconclusive'],
    ['Error', 'error'],
  ];
  for (const [result, style] of marks) {
    if (chart.counts[result] === 0) continue;
    series.push({ label: result, style, values: pts.map((p) => (p.result === result ? markAt(p) : null)) });
  }
  return { kind: 'metric', title: chart.metric, xs: pts.map((p) => secs(p.time)), series };
}

export function weightPayload(points: WeightPoint[]): ChartPayload {
  return {
    kind: 'weight',
    title: 'canary weight',
    xs: points.map((p) => secs(p.time)),
    series: [{ label: 'canary weight %', style: 'weight', values: points.map((p) => p.weight) }],
  };
}

/** A chart container the page script fills; `label` names it for screen readers. */
export function plot(id: string, payload: ChartPayload, label: string): Html {
  return html`<div class="plot" id="${id}" role="img" aria-label="${label}" data-chart="${jsonAttr(payload)}"></div>`;
}

function counts(chart: MetricChart): string {
  const parts = Object.entries(chart.counts)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${n} ${r}`);
  return parts.length ? parts.join(', ') : 'no measurements yet';
}

export function metricFigure(chart: MetricChart): Html {
  const id = `metric-${chart.metric}`;
  const label = `${chart.metric}: ${chart.points.length} measurements of the canary${chart.points.some((p) => p.stable !== null) ? ' and the stable version' : ''} against the threshold ${chart.condition}; ${counts(chart)}`;
  return html`<figure class="chart" data-metric="${chart.metric}" data-measurements="${chart.points.length}">
  <figcaption><strong>${chart.metric}</strong> <span class="muted">pass when ${chart.condition || '(no condition)'}</span> — ${counts(chart)}</figcaption>
  ${chart.points.length ? plot(id, metricPayload(chart), label) : html`<p class="empty">No measurement yet.</p>`}
  <div class="live-chart" data-live-for="${chart.metric}"></div>
  <details>
    <summary>${chart.metric}: the measurements as a table</summary>
    <table class="measurements">
      <caption class="visually-hidden">Measurements of ${chart.metric}</caption>
      <thead><tr><th scope="col">time</th><th scope="col">canary</th><th scope="col">stable</th><th scope="col">threshold</th><th scope="col">samples</th><th scope="col">result</th><th scope="col">message</th></tr></thead>
      <tbody>${chart.points.map(
        (p) =>
          html`<tr class="result-${p.result.toLowerCase()}"><td>${time(p.time)}</td><td>${num(p.canary)}</td><td>${num(p.stable)}</td><td>${p.threshold}</td><td>${num(p.sampleSize)}</td><td>${p.result}</td><td class="message">${p.message}</td></tr>`,
      )}</tbody>
    </table>
  </details>
</figure>`;
}

export function weightFigure(points: WeightPoint[]): Html {
  const label = `canary weight over time: ${points.map((p) => `${p.weight}%`).join(', ') || 'no release yet'}`;
  const changes = points.map((p) => p.weight).filter((w, i, all) => i === 0 || all[i - 1] !== w);
  return html`<figure class="chart" data-timeline="${changes.join(',')}">
  <figcaption><strong>Weight over time</strong></figcaption>
  ${points.length ? plot('weight-timeline', weightPayload(points), label) : html`<p class="empty">The release has not started.</p>`}
  <details>
    <summary>Weight changes as a table</summary>
    <table><caption class="visually-hidden">Weight changes</caption>
    <thead><tr><th scope="col">since</th><th scope="col">weight</th></tr></thead>
    <tbody>${points.map((p) => html`<tr><td>${time(p.time)}</td><td>${p.weight}%</td></tr>`)}</tbody></table>
  </details>
</figure>`;
}

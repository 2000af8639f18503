// Draws the chart payloads the server renders into data-chart attributes (see pages/charts.ts) with
// uPlot, and records what was drawn on the element (data-points, data-series) for tests and tools.
import uPlot from './uPlot.esm.js';

const noLine = () => null;

/** Series styles by role: lines for values, dashed lines for bounds, marks for results. */
const STYLES = {
  canary: { stroke: '#0b62d6', width: 2, points: { show: true, size: 7, fill: '#0b62d6' } },
  stable: { stroke: '#5b6470', width: 2, dash: [2, 3], points: { show: true, size: 7, fill: '#5b6470' } },
  upper: { stroke: '#c2261d', width: 1.5, dash: [8, 5], points: { show: false } },
  lower: { stroke: '#9a4dd0', width: 1.5, dash: [8, 5], points: { show: false } },
  fail: { stroke: '#c2261d', paths: noLine, points: { show: true, size: 13, width: 2, fill: '#ffffff' } },
  inconclusive: {
    stroke: '#a15c00',
    paths: noLine,
    points: { show: true, size: 13, width: 2, fill: '#ffe8a3' },
  },
  error: { stroke: '#3d444d', paths: noLine, points: { show: true, size: 13, width: 2, fill: '#d0d7de' } },
  weight: {
    stroke: '#0b62d6',
    width: 2,
    fill: 'rgba(11, 98, 214, 0.12)',
    paths: uPlot.paths.stepped({ align: 1 }),
    points: { show: true, size: 6 },
  },
};

const plots = new Map();

function timeLabel(_u, seconds) {
  return seconds == null ? '-' : new Date(seconds * 1000).toISOString().slice(11, 19);
}

function valueLabel(_u, v) {
  if (v == null) return '-';
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(v) : Number(v.toPrecision(3)).toString();
}

function widthOf(el) {
  return Math.max(260, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 560));
}

/** Draws one payload into `el`, replacing what was there. */
export function draw(el, payload) {
  plots.get(el)?.destroy();
  el.replaceChildren();
  const weight = payload.kind === 'weight';
  const opts = {
    width: widthOf(el),
    height: weight ? 170 : 220,
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
    // Axes in UTC, like every time on the pages.
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    scales: { x: { time: true }, y: weight ? { range: [0, 100] } : { auto: true } },
    axes: [
      { space: 72, values: (_u, ticks) => ticks.map((t) => timeLabel(_u, t)) },
      { values: (_u, ticks) => ticks.map((t) => valueLabel(_u, t)), size: 56 },
    ],
    series: [
      { label: 'time (UTC)', value: timeLabel },
      ...payload.series.map((s) => ({
        label: s.label,
        value: (_u, v) => (weight && v != null ? `${v}%` : valueLabel(_u, v)),
        spanGaps: s.style === 'upper' || s.style === 'lower' || s.style === 'stable',
        ...STYLES[s.style],
      })),
    ],
  };
  const data = [payload.xs, ...payload.series.map((s) => s.values)];
  const plot = new uPlot(opts, data, el);
  plots.set(el, plot);
  const bounds = payload.series.filter((s) => s.style === 'upper' || s.style === 'lower');
  el.dataset.points = String(payload.xs.length);
  el.dataset.series = payload.series.map((s) => s.label).join('|');
  el.dataset.thresholdPoints = String(
    bounds.reduce((n, s) => n + s.values.filter((v) => v != null).length, 0),
  );
  el.dataset.drawn = 'true';
}

export function drawCharts(root) {
  for (const el of root.querySelectorAll('[data-chart]')) draw(el, JSON.parse(el.dataset.chart));
}

export function destroyCharts(root) {
  for (const [el, plot] of plots) {
    if (root.contains(el)) {
      plot.destroy();
      plots.delete(el);
    }
  }
}

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const [el, plot] of plots) plot.setSize({ width: widthOf(el), height: plot.height });
  }, 100);
});

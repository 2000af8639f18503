// The page script: follows the page's event stream and replaces the regions the server pushes (keeping
// focus and open <details>), draws the charts, sends control requests and shows the operator's answer,
// and adds live Prometheus series when the dashboard has them.
import { destroyCharts, draw, drawCharts } from './charts.js';

const body = document.body;
const token = document.querySelector('meta[name="dashboard-token"]')?.getAttribute('content') ?? '';
let sending = false;
const liveSeries = new Map();

function setLive(state, text) {
  const live = document.getElementById('live');
  if (!live || live.dataset.state === state) return;
  live.dataset.state = state;
  live.textContent = text;
}

function detailsKey(d, i) {
  return `${i}:${d.querySelector('summary')?.textContent ?? ''}`;
}

function swap(name, hash, markup) {
  const el = document.querySelector(`[data-region="${CSS.escape(name)}"]`);
  if (!el || el.dataset.hash === hash) return;
  el.dataset.hash = hash;
  const active = document.activeElement;
  const focusInside = active && active !== body && el.contains(active);
  const focusId = focusInside ? active.id : '';
  const open = new Set(
    [...el.querySelectorAll('details')].flatMap((d, i) => (d.open ? [detailsKey(d, i)] : [])),
  );
  destroyCharts(el);
  el.innerHTML = markup;
  el.querySelectorAll('details').forEach((d, i) => {
    if (open.has(detailsKey(d, i))) d.open = true;
  });
  drawCharts(el);
  drawLive(el);
  markSending();
  if (!focusInside) return;
  const again = focusId ? document.getElementById(focusId) : null;
  if (again && !again.disabled) again.focus();
  else el.closest('section')?.querySelector('h2[tabindex]')?.focus();
}

function follow(url) {
  const events = new EventSource(url);
  events.addEventListener('hello', () => setLive('live', 'live'));
  events.addEventListener('region', (e) => {
    const { region, hash, html } = JSON.parse(e.data);
    swap(region, hash, html);
    setLive('live', 'live');
  });
  events.addEventListener('error', () => setLive('reconnecting', 'reconnecting…'));
}

/** While a request is out, the buttons stay focusable but do nothing (aria-disabled). */
function markSending() {
  for (const b of document.querySelectorAll('button[data-action]')) {
    if (sending) b.setAttribute('aria-disabled', 'true');
    else b.removeAttribute('aria-disabled');
  }
}

async function sendControl(button) {
  const action = button.dataset.action;
  const label = button.textContent.trim();
  const result = document.getElementById('control-result');
  const error = document.getElementById('control-error');
  error.textContent = '';
  result.textContent = `${label}: sending…`;
  result.dataset.outcome = 'Sending';
  sending = true;
  markSending();
  try {
    const res = await fetch(body.dataset.control, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Dashboard-Token': token },
      body: JSON.stringify({ action }),
    });
    const answer = await res.json().catch(() => ({}));
    if (!res.ok) {
      result.textContent = '';
      result.dataset.outcome = 'Failed';
      error.textContent = `${label} failed: ${answer.error ?? `HTTP ${res.status}`}`;
      return;
    }
    const id = answer.request.id;
    result.dataset.requestId = id;
    if (answer.result) {
      const r = answer.result;
      result.dataset.outcome = r.outcome;
      result.textContent = `${label}: ${r.outcome}${r.message ? ` — ${r.message}` : ''} (request ${id})`;
    } else {
      result.dataset.outcome = 'Pending';
      result.textContent = `${label} requested (request ${id}); the operator has not answered yet`;
    }
  } catch (err) {
    result.textContent = '';
    error.textContent = `${label} failed: ${err}`;
  } finally {
    sending = false;
    markSending();
  }
}

document.addEventListener('click', (e) => {
  const button = e.target instanceof Element ? e.target.closest('button[data-action]') : null;
  if (!button || button.disabled || button.getAttribute('aria-disabled') === 'true') return;
  void sendControl(button);
});

function drawLive(root) {
  for (const el of root.querySelectorAll('[data-live-for]')) {
    const m = liveSeries.get(el.dataset.liveFor);
    if (!m) continue;
    if (m.error) {
      el.textContent = `Live series: ${m.error}`;
      continue;
    }
    let plot = el.querySelector('.plot');
    if (!plot) {
      el.innerHTML = '<p class="live-caption">Live from Prometheus (canary and stable tracks)</p>';
      plot = document.createElement('div');
      plot.className = 'plot';
      plot.setAttribute('role', 'img');
      plot.setAttribute('aria-label', `${m.metric}: live series of the canary and stable tracks`);
      el.append(plot);
    }
    draw(plot, m.payload);
  }
}

async function refreshLive(url) {
  try {
    const res = await fetch(url);
    const answer = await res.json();
    for (const m of answer.metrics ?? []) liveSeries.set(m.metric, m);
  } catch (err) {
    for (const m of liveSeries.values()) m.error = String(err);
  }
  drawLive(document);
}

drawCharts(document);
if (body.dataset.stream) follow(body.dataset.stream);
if (body.dataset.live) {
  void refreshLive(body.dataset.live);
  setInterval(() => void refreshLive(body.dataset.live), 15_000);
}

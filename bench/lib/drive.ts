// The parts every measured round shares: waiting (from a watch) until every workload is ready, with a
// deadline and a stall check that stop the round and say where; and the steady-state window after it,
// where a controller's writes are counted from its own metrics.

import { cpuSecondsOf } from './proc-stats.js';
import { delta, type Sample } from './prom-text.js';
import type { ReadyWatch } from './ready-watch.js';
import type { SystemReport } from './system-sampler.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A round that ended before every workload was ready: how far it got, and why. */
export class RoundStopped extends Error {
  /** What the machine did meanwhile, filled in by the round before it passes the error on. */
  system: SystemReport | null = null;

  constructor(
    readonly reason: 'deadline' | 'stalled',
    readonly atS: number,
    readonly ready: number,
    readonly expected: number,
    detail: string,
  ) {
    super(`stopped after ${atS} s with ${ready}/${expected} ready: ${detail}`);
  }
}

export interface TimelinePoint {
  t: number;
  ready: number;
  [mark: string]: number;
}

/**
 * Ticks once a second until `readiness` has seen every workload ready. `progress` (every 2 s) adds the
 * caller's own marks, e.g. Deployments applied; the round stalls when neither the ready count nor any mark
 * moved for `stallMs`. The time reported is the watch event's, not the tick's.
 */
export async function waitAllReady(o: {
  readiness: ReadyWatch;
  expected: number;
  t0: number;
  deadline: number;
  stallMs: number;
  what: string;
  log: (msg: string) => void;
  progress?: () => Promise<Record<string, number>>;
  /** Extra text for a stall's error, e.g. the controller's logged errors. */
  onStall?: () => string;
  /** Throws when the controller died. */
  check?: () => void;
}): Promise<{ timeToAllReadyS: number; timeline: TimelinePoint[] }> {
  const elapsed = () => (performance.now() - o.t0) / 1000;
  const timeline: TimelinePoint[] = [];
  let marks: Record<string, number> = {};
  let last = { at: performance.now(), mark: '' };
  for (let tick = 0; ; tick++) {
    o.check?.();
    const ready = o.readiness.count;
    if (o.progress && (tick % 2 === 0 || ready >= o.expected)) marks = await o.progress();
    timeline.push({ t: round(elapsed()), ready, ...marks });
    if (o.readiness.allReadyAt !== undefined) break;
    const mark = JSON.stringify([ready, marks]);
    if (mark !== last.mark) last = { at: performance.now(), mark };
    if (performance.now() - last.at > o.stallMs)
      throw new RoundStopped(
        'stalled',
        round(elapsed()),
        ready,
        o.expected,
        `no progress for ${o.stallMs / 1000} s (${JSON.stringify(marks)}) ${o.onStall?.() ?? ''}`.trim(),
      );
    if (Date.now() > o.deadline)
      throw new RoundStopped(
        'deadline',
        round(elapsed()),
        ready,
        o.expected,
        `the round's time limit was reached (${JSON.stringify(marks)})`,
      );
    if (tick % 10 === 0)
      o.log(`${round(elapsed())} s: ${ready}/${o.expected} ${o.what} ready ${JSON.stringify(marks)}`);
    await sleep(Math.max(0, o.t0 + (tick + 1) * 1000 - performance.now()));
  }
  return { timeToAllReadyS: round(((o.readiness.allReadyAt ?? 0) - o.t0) / 1000, 2), timeline };
}

export interface SteadyOptions {
  pid: number;
  scrape: () => Promise<Sample[]>;
  /** The controller's writes in a scrape (or in the difference of two). */
  writesOf: (samples: Sample[]) => number;
  seconds: number;
  deadline: number;
  log: (msg: string) => void;
  check?: () => void;
}

/**
 * After all ready: waits for 10 quiet seconds (at most 60; the last status writes may trail the ready
 * count), then counts the writes and CPU over a window of `seconds`. Returns the window's samples too, for
 * the caller's own breakdowns.
 */
export async function measureSteady(o: SteadyOptions) {
  o.log('all ready; settling');
  const tSettle = performance.now();
  let lastWrites = o.writesOf(await o.scrape());
  let quietSince = performance.now();
  while (performance.now() - quietSince < 10_000 && performance.now() - tSettle < 60_000) {
    if (Date.now() > o.deadline) throw new Error('time limit reached while settling after all were ready');
    await sleep(2000);
    const writes = o.writesOf(await o.scrape());
    if (writes !== lastWrites) quietSince = performance.now();
    lastWrites = writes;
  }
  const settleS = (performance.now() - tSettle) / 1000;
  o.log(`steady-state window of ${o.seconds} s`);
  const first = await o.scrape();
  const cpu0 = cpuSecondsOf(o.pid) ?? Number.NaN;
  const tw = performance.now();
  while (performance.now() - tw < o.seconds * 1000) {
    if (Date.now() > o.deadline) throw new Error('time limit reached in the steady-state window');
    await sleep(Math.min(5000, o.seconds * 1000 - (performance.now() - tw)));
    o.check?.();
  }
  const windowS = (performance.now() - tw) / 1000;
  const inWindow = delta(first, await o.scrape());
  const writes = o.writesOf(inWindow);
  return {
    settleS: round(settleS),
    windowS: round(windowS),
    writes,
    writesPerMin: round((writes / windowS) * 60),
    cpuSeconds: round((cpuSecondsOf(o.pid) ?? Number.NaN) - cpu0, 2),
    inWindow,
  };
}

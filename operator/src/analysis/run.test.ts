import { describe, expect, it } from 'vitest';
import {
  AnalysisRunStatus,
  AnalysisSpec,
  type Measurement,
  type MeasurementResult,
} from '../api/v1alpha1/index.js';
import {
  advanceRun,
  assessRun,
  currentRun,
  MAX_MEASUREMENTS,
  mergeRun,
  nextTick,
  recordMeasurement,
  startRun,
  withStepOverrides,
} from './run.js';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const spec = (extra: Record<string, unknown> = {}) =>
  AnalysisSpec.parse({
    provider: { prometheus: { address: 'http://prom:9090' } },
    maxErrorRate: 0.05,
    ...extra,
  });

const m = (result: MeasurementResult, time = t0, metric = 'error-rate'): Measurement => ({
  metric,
  result,
  time: time.toISOString(),
  ...(result === 'Fail' ? { value: 0.3, threshold: '<= 0.05', message: '0.3 > 0.05' } : {}),
});

/** Records one single-metric tick per result. */
const runOf = (...results: MeasurementResult[]) =>
  results.reduce((run, r, i) => recordMeasurement(run, [m(r, at(i))]), startRun({ stepIndex: 2, now: t0 }));

describe('recordMeasurement', () => {
  it('counts a tick once by its combined result and keeps every metric measurement', () => {
    const run = recordMeasurement(startRun({ stepIndex: 0, now: t0 }), [
      m('Pass'),
      m('Fail', t0, 'p95-latency'),
    ]);
    expect(run).toMatchObject({ successful: 0, failed: 1, inconclusive: 0, errors: 0 });
    expect(run.measurements.map((x) => x.metric)).toEqual(['error-rate', 'p95-latency']);
  });

  it('counts consecutive errors and resets them on any other result', () => {
    expect(runOf('Error', 'Error').consecutiveErrors).toBe(2);
    expect(runOf('Error', 'Error', 'Inconclusive').consecutiveErrors).toBe(0);
    expect(runOf('Error', 'Pass', 'Error')).toMatchObject({ errors: 2, consecutiveErrors: 1, successful: 1 });
  });

  it('does not change the run it was given', () => {
    const before = startRun({ stepIndex: 0, now: t0 });
    const copy = structuredClone(before);
    recordMeasurement(before, [m('Fail')]);
    expect(before).toEqual(copy);
  });

  it(`keeps the newest ${MAX_MEASUREMENTS} measurements and a status the schema accepts`, () => {
    const results = Array.from(
      { length: 130 },
      (_, i): MeasurementResult => (i % 2 ? 'Pass' : 'Inconclusive'),
    );
    const run = runOf(...results);
    expect(run.measurements).toHaveLength(MAX_MEASUREMENTS);
    expect(run.measurements.at(-1)?.time).toBe(at(129).toISOString());
    expect(run.measurements[0]?.time).toBe(at(30).toISOString());
    expect(run.successful + run.inconclusive).toBe(130);
    expect(AnalysisRunStatus.safeParse(run).success).toBe(true);
  });

  it('refuses an empty tick', () => {
    expect(() => recordMeasurement(startRun({ stepIndex: 0, now: t0 }), [])).toThrow(/at least one/);
  });
});

describe('assessRun', () => {
  it.each<[string, MeasurementResult[], Record<string, unknown>, string, RegExp]>([
    ['nothing yet', [], {}, 'Running', /0 of 3/],
    ['count passes', ['Pass', 'Pass', 'Pass'], {}, 'Successful', /3 of 3 measurements taken, 3 passed/],
    [
      'one fail with failureLimit 0',
      ['Pass', 'Fail'],
      {},
      'Failed',
      /1 failed measurement\(s\) > failureLimit 0; last: error-rate = 0\.3 \(<= 0\.05\)/,
    ],
    ['a fail within failureLimit', ['Fail', 'Pass', 'Pass'], { failureLimit: 1 }, 'Successful', /3 of 3/],
    ['failures over failureLimit', ['Fail', 'Fail'], { failureLimit: 1 }, 'Failed', /2 failed/],
    ['inconclusive over the limit', ['Pass', 'Inconclusive'], {}, 'Inconclusive', /inconclusiveLimit 0/],
    [
      'inconclusive within the limit does not count toward count',
      ['Inconclusive', 'Pass', 'Pass'],
      { inconclusiveLimit: 1 },
      'Running',
      /2 of 3/,
    ],
    [
      'inconclusive within the limit, then count conclusive passes',
      ['Inconclusive', 'Pass', 'Pass', 'Pass'],
      { inconclusiveLimit: 1 },
      'Successful',
      /3 of 3/,
    ],
    [
      'never Successful without data, however high inconclusiveLimit is',
      ['Inconclusive', 'Inconclusive', 'Inconclusive', 'Inconclusive'],
      { inconclusiveLimit: 10 },
      'Running',
      /0 of 3/,
    ],
    [
      'errors up to the limit keep running',
      ['Error', 'Error'],
      { consecutiveErrorLimit: 2 },
      'Running',
      /0 of 3/,
    ],
    [
      'errors over the limit',
      ['Error', 'Error', 'Error'],
      { consecutiveErrorLimit: 2 },
      'Error',
      /3 consecutive errors > consecutiveErrorLimit 2 \(action Rollback\)/,
    ],
    [
      'the configured error action is named',
      ['Error'],
      { consecutiveErrorLimit: 0, consecutiveErrorAction: 'Pause' },
      'Error',
      /action Pause/,
    ],
    [
      'errors never count toward count',
      ['Pass', 'Error', 'Pass', 'Error'],
      { consecutiveErrorLimit: 4 },
      'Running',
      /2 of 3/,
    ],
    [
      'a fail wins over errors and inconclusive',
      ['Inconclusive', 'Error', 'Fail'],
      { consecutiveErrorLimit: 0 },
      'Failed',
      /1 failed/,
    ],
    [
      'errors win over inconclusive',
      ['Inconclusive', 'Error'],
      { consecutiveErrorLimit: 0 },
      'Error',
      /consecutive errors/,
    ],
  ])('%s → %s', (_what, results, extra, phase, message) => {
    const a = assessRun(runOf(...results), spec(extra));
    expect(a.phase).toBe(phase);
    expect(a.message).toMatch(message);
  });

  it('keeps a final phase', () => {
    const run = { ...runOf('Fail'), phase: 'Successful' as const, message: 'promoted by hand' };
    expect(assessRun(run, spec())).toEqual({ phase: 'Successful', message: 'promoted by hand' });
  });
});

describe('advanceRun', () => {
  it('sets phase, message and finishedAt when the run ends', () => {
    const s = spec({ count: 2 });
    const one = advanceRun(
      startRun({ stepIndex: 1, version: '1.1.0', now: t0 }),
      s,
      [m('Pass', at(0))],
      at(0),
    );
    expect(one).toMatchObject({ phase: 'Running', version: '1.1.0' });
    expect(one.finishedAt).toBeUndefined();
    const two = advanceRun(one, s, [m('Pass', at(60))], at(60));
    expect(two).toMatchObject({ phase: 'Successful', finishedAt: '2026-01-01T00:01:00Z', successful: 2 });
    expect(AnalysisRunStatus.safeParse(two).success).toBe(true);
  });
});

describe('nextTick', () => {
  const s = spec({ interval: '30s' });
  it.each<[string, MeasurementResult[], number, { due: boolean; waitMs: number }]>([
    ['the first tick is due one interval after the start', [], 10, { due: false, waitMs: 20_000 }],
    ['the first tick at the interval', [], 30, { due: true, waitMs: 30_000 }],
    ['after the newest tick (t=1), one interval later', ['Pass', 'Pass'], 20, { due: false, waitMs: 11_000 }],
    ['overdue is due now', ['Pass'], 45, { due: true, waitMs: 30_000 }],
  ])('%s', (_what, results, nowS, expected) => {
    expect(nextTick(runOf(...results), s, at(nowS))).toEqual(expected);
  });
});

describe('run timestamps', () => {
  it('are RFC 3339 with second precision, like every status timestamp', () => {
    const started = startRun({ stepIndex: 0, now: new Date('2026-01-01T00:00:01.789Z') });
    expect(started.startedAt).toBe('2026-01-01T00:00:01Z');
    const done = advanceRun(started, spec({ count: 1 }), [m('Pass')], new Date('2026-01-01T00:00:09.5Z'));
    expect(done.finishedAt).toBe('2026-01-01T00:00:09Z');
  });
});

describe('currentRun and mergeRun', () => {
  it('starts the run of a step when it is missing and merges only a newer copy of the same run', () => {
    const first = currentRun([], { stepIndex: 1, version: 'v2' }, undefined, t0);
    expect(first.runs).toHaveLength(1);
    expect(first.run).toMatchObject({
      stepIndex: 1,
      version: 'v2',
      phase: 'Running',
      startedAt: '2026-01-01T00:00:00Z',
    });
    const newer = recordMeasurement(first.run, [m('Pass')]);
    expect(currentRun(first.runs, { stepIndex: 1, version: 'v2' }, newer, at(5)).run).toBe(newer);
    const other = { ...newer, startedAt: '2025-01-01T00:00:00Z' };
    expect(mergeRun(first.run, other)).toBe(first.run);
    expect(mergeRun(newer, first.run)).toBe(newer);
  });
});

describe('withStepOverrides', () => {
  it('applies a step count and interval and keeps the rest', () => {
    const s = withStepOverrides(spec({ count: 5, interval: '1m' }), { interval: '10s' });
    expect(s).toMatchObject({ count: 5, interval: '10s', maxErrorRate: 0.05 });
    expect(withStepOverrides(s, { count: 2 }).count).toBe(2);
    expect(withStepOverrides(s, undefined)).toEqual(s);
  });
});

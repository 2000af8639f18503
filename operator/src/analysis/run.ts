// Pure bookkeeping of one analysis run, the same for a canary step and a blue-green pre-promotion run:
// starting it, merging the engine's newer copy, when the next tick is due, recording a tick's
// measurements and deciding the run's phase. Counters count ticks (one tick = one measurement of every
// metric, combined by combineResults); the history keeps every metric's measurement, newest last, bounded.
// Every timestamp of a run (startedAt, finishedAt, measurement times) is RFC 3339 with second precision,
// written by `stamp`, as metav1.Time and the conditions are.
import type {
  AnalysisRunPhase,
  AnalysisRunStatus,
  AnalysisSpec,
  CanaryStep,
  Measurement,
} from '../api/v1alpha1/index.js';
import { parseDuration } from '../api/v1alpha1/index.js';
import { formatTime } from '../kube/conditions.js';
import { combineResults, formatNumber } from './evaluate.js';

/** The one clock resolution of status timestamps: RFC 3339, seconds. */
export function stamp(now: Date): string {
  return formatTime(now.getTime());
}

/** Measurements kept in a run's status (the schema's bound). */
export const MAX_MEASUREMENTS = 100;
/** status.analysisRuns holds at most 20 runs (AnalysisRuns schema); the oldest are dropped. */
export const MAX_RUNS = 20;
const FINAL = new Set(['Successful', 'Failed', 'Inconclusive', 'Error']);

export interface RunAssessment {
  phase: AnalysisRunPhase;
  message: string;
}

/** A fresh run in phase Running (stepIndex -1: blue-green pre-promotion). */
export function startRun(opts: { stepIndex: number; version?: string; now: Date }): AnalysisRunStatus {
  return {
    stepIndex: opts.stepIndex,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    phase: 'Running',
    startedAt: stamp(opts.now),
    successful: 0,
    failed: 0,
    inconclusive: 0,
    errors: 0,
    consecutiveErrors: 0,
    measurements: [],
  };
}

/** spec.analysis with a canary step's count/interval overrides applied. */
export function withStepOverrides(spec: AnalysisSpec, step?: CanaryStep['analysis']): AnalysisSpec {
  return {
    ...spec,
    ...(step?.count !== undefined ? { count: step.count } : {}),
    ...(step?.interval !== undefined ? { interval: step.interval } : {}),
  };
}

/**
 * Adds one tick (the measurements takeMeasurement returned) to the run: the tick's combined result bumps
 * one counter; consecutiveErrors grows on an Error tick and resets on any other. Returns a new object.
 */
export function recordMeasurement(
  run: AnalysisRunStatus,
  measurements: readonly Measurement[],
): AnalysisRunStatus {
  if (measurements.length === 0) throw new Error('recordMeasurement: a tick needs at least one measurement');
  const result = combineResults(measurements.map((m) => m.result));
  const history = [...run.measurements, ...measurements].slice(-MAX_MEASUREMENTS);
  return {
    ...run,
    successful: run.successful + (result === 'Pass' ? 1 : 0),
    failed: run.failed + (result === 'Fail' ? 1 : 0),
    inconclusive: run.inconclusive + (result === 'Inconclusive' ? 1 : 0),
    errors: run.errors + (result === 'Error' ? 1 : 0),
    consecutiveErrors: result === 'Error' ? run.consecutiveErrors + 1 : 0,
    measurements: history,
  };
}

/** "error-rate = 0.3 (<= 0.05): 0.3 > 0.05" for the newest measurement with this result. */
function lastOf(run: AnalysisRunStatus, result: Measurement['result']): string {
  const m = [...run.measurements].reverse().find((x) => x.result === result);
  if (!m) return '';
  const value = m.value !== undefined ? ` = ${formatNumber(m.value)}` : '';
  const threshold = m.threshold ? ` (${m.threshold})` : '';
  return `; last: ${m.metric}${value}${threshold}${m.message ? `: ${m.message}` : ''}`;
}

/**
 * Conclusive ticks (Pass or Fail). Inconclusive ticks are tolerated up to inconclusiveLimit but never count
 * toward `count`, so a run cannot become Successful without data: no data is never a Pass.
 */
export function completedTicks(run: AnalysisRunStatus): number {
  return run.successful + run.failed;
}

/**
 * The phase the counters call for. Checked in order: failed > failureLimit → Failed; consecutiveErrors >
 * consecutiveErrorLimit → Error (the caller applies consecutiveErrorAction); inconclusive >
 * inconclusiveLimit → Inconclusive (pause for a human); `count` non-error ticks taken → Successful;
 * otherwise Running. A run already in a final phase keeps it.
 */
export function assessRun(run: AnalysisRunStatus, spec: AnalysisSpec): RunAssessment {
  if (run.phase !== 'Running') return { phase: run.phase, message: run.message ?? '' };
  if (run.failed > spec.failureLimit) {
    return {
      phase: 'Failed',
      message: `${run.failed} failed measurement(s) > failureLimit ${spec.failureLimit}${lastOf(run, 'Fail')}`,
    };
  }
  if (run.consecutiveErrors > spec.consecutiveErrorLimit) {
    return {
      phase: 'Error',
      message:
        `${run.consecutiveErrors} consecutive errors > consecutiveErrorLimit ${spec.consecutiveErrorLimit}` +
        ` (action ${spec.consecutiveErrorAction})${lastOf(run, 'Error')}`,
    };
  }
  if (run.inconclusive > spec.inconclusiveLimit) {
    return {
      phase: 'Inconclusive',
      message:
        `${run.inconclusive} inconclusive measurement(s) > inconclusiveLimit ${spec.inconclusiveLimit}` +
        `${lastOf(run, 'Inconclusive')}`,
    };
  }
  const done = completedTicks(run);
  if (done >= spec.count) {
    return {
      phase: 'Successful',
      message: `${done} of ${spec.count} measurements taken, ${run.successful} passed`,
    };
  }
  return { phase: 'Running', message: `${done} of ${spec.count} measurements taken` };
}

/** recordMeasurement + assessRun: the run after one tick, with phase, message and finishedAt set. */
export function advanceRun(
  run: AnalysisRunStatus,
  spec: AnalysisSpec,
  measurements: readonly Measurement[],
  now: Date,
): AnalysisRunStatus {
  const recorded = recordMeasurement(run, measurements);
  const { phase, message } = assessRun(recorded, spec);
  return {
    ...recorded,
    phase,
    message: message.slice(0, 1024),
    ...(phase !== 'Running' ? { finishedAt: stamp(now) } : {}),
  };
}

/** Ticks taken so far, of any result. */
export function ticksTaken(run: AnalysisRunStatus): number {
  return run.successful + run.failed + run.inconclusive + run.errors;
}

/** The engine's copy of a run replaces the stored one only when it is the same run and not older. */
export function mergeRun(
  stored: AnalysisRunStatus,
  incoming: AnalysisRunStatus | undefined,
): AnalysisRunStatus {
  if (!incoming || FINAL.has(stored.phase)) return stored;
  const same =
    incoming.stepIndex === stored.stepIndex &&
    incoming.version === stored.version &&
    incoming.startedAt === stored.startedAt;
  return same && ticksTaken(incoming) >= ticksTaken(stored) ? incoming : stored;
}

/**
 * The run of (stepIndex, version) in `runs` — started at `now` when missing (a new step, or a run that
 * left status) — with the engine's newer copy merged in. Returns the new list (at most MAX_RUNS) and the
 * run as stored before the merge (to tell a run that just ended).
 */
export function currentRun(
  runs: readonly AnalysisRunStatus[] | undefined,
  key: { stepIndex: number; version: string },
  incoming: AnalysisRunStatus | undefined,
  now: Date,
): { runs: AnalysisRunStatus[]; run: AnalysisRunStatus; stored: AnalysisRunStatus } {
  let list = [...(runs ?? [])];
  const find = () => list.findLastIndex((r) => r.stepIndex === key.stepIndex && r.version === key.version);
  if (find() < 0) list = [...list, startRun({ ...key, now })].slice(-MAX_RUNS);
  const idx = find();
  const stored = list[idx] as AnalysisRunStatus;
  const run = mergeRun(stored, incoming);
  list[idx] = run;
  return { runs: list, run, stored };
}

/** When the next tick of a running run is due: one interval after the newest measurement (or the start). */
export function measurementDue(run: AnalysisRunStatus, intervalMs: number): number {
  const times = run.measurements.map((m) => Date.parse(m.time));
  return Math.max(Date.parse(run.startedAt), ...times) + intervalMs;
}

/** Whether a tick is due now, and how long to wait for the one after (or for this one). */
export function nextTick(
  run: AnalysisRunStatus,
  spec: AnalysisSpec,
  now: Date,
): { due: boolean; waitMs: number } {
  const interval = parseDuration(spec.interval);
  const due = measurementDue(run, interval);
  const nowMs = now.getTime();
  return nowMs >= due ? { due: true, waitMs: interval } : { due: false, waitMs: due - nowMs };
}

/** "error-rate=0.3 (threshold <= 0.05)" for the latest measurement of each metric with that result. */
export function describeMeasurements(run: AnalysisRunStatus, result: Measurement['result']): string {
  const latest = new Map<string, AnalysisRunStatus['measurements'][number]>();
  for (const m of run.measurements) if (m.result === result) latest.set(m.metric, m);
  const parts = [...latest.values()].map((m) => {
    if (result === 'Error') return `${m.metric}: ${m.message ?? 'provider error'}`;
    const value = m.value !== undefined ? formatNumber(m.value) : 'no data';
    const base = `${m.metric}=${value} (threshold ${m.threshold ?? 'n/a'})`;
    // Agent gates carry both tracks and their sample counts: the Event shows canary vs stable.
    return m.stableSampleSize !== undefined && m.message ? `${base}: ${m.message}` : base;
  });
  const counts = `${run.successful} passed, ${run.failed} failed, ${run.inconclusive} inconclusive, ${run.errors} errors`;
  return `${parts.join(', ') || run.message || 'no measurement detail'} [${counts}]`;
}

// Pure bookkeeping of one analysis run: recording a tick's measurements, deciding the run's phase and
// when the next tick is due. Counters count ticks (one tick = one measurement of every metric, combined
// by combineResults); the history keeps every metric's measurement, newest last, bounded.
import type {
  AnalysisRunPhase,
  AnalysisRunStatus,
  AnalysisSpec,
  CanaryStep,
  Measurement,
} from '../api/v1alpha1/index.js';
import { parseDuration } from '../api/v1alpha1/index.js';
import { combineResults, formatNumber } from './evaluate.js';

/** Measurements kept in a run's status (the schema's bound). */
export const MAX_MEASUREMENTS = 100;

export interface RunAssessment {
  phase: AnalysisRunPhase;
  message: string;
}

/** A fresh run in phase Running. */
export function startRun(opts: { stepIndex: number; version?: string; now: Date }): AnalysisRunStatus {
  return {
    stepIndex: opts.stepIndex,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    phase: 'Running',
    startedAt: opts.now.toISOString(),
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

/** Ticks that count toward `count`: every tick except Error ticks (errors never count toward success). */
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
    ...(phase !== 'Running' ? { finishedAt: now.toISOString() } : {}),
  };
}

/**
 * Milliseconds until the next tick is due (0 = now): the first tick is immediate, then one every
 * `interval` after the newest measurement. Undefined when the run is over.
 */
export function nextMeasurementDue(
  run: AnalysisRunStatus,
  spec: AnalysisSpec,
  now: Date,
): number | undefined {
  if (run.phase !== 'Running') return undefined;
  const last = run.measurements.at(-1);
  if (!last) return 0;
  const due = Date.parse(last.time) + parseDuration(spec.interval);
  return Number.isFinite(due) ? Math.max(0, due - now.getTime()) : 0;
}

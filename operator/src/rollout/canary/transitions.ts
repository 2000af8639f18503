// The transitions of a canary release. Each one mutates the working status and records its event; the
// step machine (canary-steps.ts) and manual control (canary-control.ts) decide when they happen.

import type { MeasurementRequest } from '../../analysis/pipeline.js';
import { MAX_RUNS, startRun as newRun, stamp } from '../../analysis/run.js';
import type { CanaryReleaseSpec, CanaryReleaseStatus, CanaryStep } from '../../api/v1alpha1/index.js';
import type { CanaryObserved, EvaluationJobRequest, FailureCause, PlannedEvent } from './types.js';

export { stamp };

/** The working state of one decide call. */
export interface Work {
  obs: CanaryObserved;
  spec: CanaryReleaseSpec;
  now: Date;
  status: CanaryReleaseStatus;
  events: PlannedEvent[];
  /** Candidate requeue delays, ms. */
  waits: number[];
  measure?: MeasurementRequest;
  /** The evaluation Job to create this pass. */
  evaluationJob?: EvaluationJobRequest;
}

export function isActive(s: CanaryReleaseStatus): boolean {
  return (s.phase === 'Progressing' || s.phase === 'Paused') && s.toVersion !== undefined;
}

export function describeStep(step: CanaryStep | undefined): string {
  if (!step) return 'promotion';
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}`;
  if (step.pause) return step.pause.duration ? `pause ${step.pause.duration}` : 'pause until promoted';
  if (step.mirror) return `mirror ${step.mirror.percent}% for ${step.mirror.duration}`;
  return step.evaluation ? 'evaluation' : 'analysis';
}

function stepLabel(w: Work, i: number): string {
  return `step ${i + 1}/${w.spec.steps.length} (${describeStep(w.spec.steps[i])})`;
}

function event(w: Work, type: PlannedEvent['type'], reason: string, message: string): void {
  w.events.push({ type, reason, message });
}

function clearPause(s: CanaryReleaseStatus): void {
  delete s.pausedAt;
  delete s.pauseReason;
}

/** Appends a new Running analysis run for step `i`. */
export function startRun(w: Work, i: number): void {
  const s = w.status;
  const run = newRun({
    stepIndex: i,
    ...(s.toVersion !== undefined ? { version: s.toVersion } : {}),
    now: w.now,
  });
  s.analysisRuns = [...(s.analysisRuns ?? []), run].slice(-MAX_RUNS);
}

/** Starts step `i` (or the promotion when i is past the last step) at `now`. */
export function enterStep(w: Work, i: number): void {
  const s = w.status;
  s.currentStepIndex = i;
  if (s.group) delete s.group.completedStep;
  s.stepStartedAt = stamp(w.now);
  const step = w.spec.steps[i];
  if (!step) {
    s.message = `promoting ${s.toVersion}: stable rolls to it, then the canary scales to zero`;
    event(
      w,
      'Normal',
      'Promoting',
      `all ${w.spec.steps.length} steps done; promoting ${s.toVersion} to stable`,
    );
    return;
  }
  s.message = `${stepLabel(w, i)} running`;
  if (step.setWeight !== undefined) {
    s.canaryWeight = step.setWeight;
    s.message = `${stepLabel(w, i)}: waiting for the canary pods to be Ready`;
  } else if (step.pause && step.pause.duration === undefined) {
    pause(w, 'Step', `${stepLabel(w, i)}: waiting for promote`);
  } else if (step.analysis) {
    startRun(w, i);
    s.message = `${stepLabel(w, i)}: analysing ${s.toVersion} at weight ${s.canaryWeight}`;
  } else if (step.mirror) {
    // Shadow traffic: users get only stable's answers; the canary sees copies of step.mirror.percent%.
    s.canaryWeight = 0;
    if (w.spec.analysis) startRun(w, i);
    s.message = `${stepLabel(w, i)}: mirroring ${step.mirror.percent}% of the requests to ${s.toVersion}`;
  } else if (step.evaluation) {
    startRun(w, i);
    s.message = `${stepLabel(w, i)}: evaluating ${s.toVersion} against ${s.fromVersion} on the dataset`;
  }
}

/** The StepCompleted Event of step `i`. */
export function stepCompleted(w: Work, i: number, how = ''): void {
  event(
    w,
    'Normal',
    'StepCompleted',
    `${stepLabel(w, i)} completed at weight ${w.status.canaryWeight}${how}`,
  );
}

/** Completes step `i` and enters the next one. */
export function advance(w: Work, i: number, how = ''): void {
  stepCompleted(w, i, how);
  enterStep(w, i + 1);
}

export function startRelease(w: Work, from: string, to: string, superseded?: string): void {
  const prev = w.status;
  w.status = {
    ...(prev.observedGeneration !== undefined ? { observedGeneration: prev.observedGeneration } : {}),
    phase: 'Progressing',
    canaryWeight: 0,
    fromVersion: from,
    toVersion: to,
    startedAt: stamp(w.now),
    analysisRuns: [],
    ...(prev.rolledBackVersion !== undefined ? { rolledBackVersion: prev.rolledBackVersion } : {}),
    ...(prev.conditions ? { conditions: prev.conditions } : {}),
    ...(prev.control ? { control: prev.control } : {}),
    ...(prev.lastControl ? { lastControl: prev.lastControl } : {}),
  };
  const why = superseded ? ` (replaces the release of ${superseded})` : '';
  event(w, 'Normal', 'ReleaseStarted', `releasing ${to} as canary of ${from}${why}`);
  enterStep(w, 0);
}

export function pause(
  w: Work,
  reason: NonNullable<CanaryReleaseStatus['pauseReason']>,
  message: string,
): void {
  const s = w.status;
  s.phase = 'Paused';
  s.pauseReason = reason;
  s.pausedAt = stamp(w.now);
  s.message = message;
  const warn = reason === 'Inconclusive' || reason === 'AnalysisError' || reason === 'Failure';
  event(w, warn ? 'Warning' : 'Normal', 'Paused', message);
}

export function resumeProgress(w: Work): void {
  w.status.phase = 'Progressing';
  clearPause(w.status);
}

/** Weight 0 and canary to zero in the same pass; the stable track keeps the version it runs. */
export function rollback(w: Work, cause: FailureCause, detail: string): void {
  const s = w.status;
  const to = s.toVersion;
  s.phase = 'RolledBack';
  s.canaryWeight = 0;
  s.finishedAt = stamp(w.now);
  if (to !== undefined) s.rolledBackVersion = to;
  clearPause(s);
  s.message = `${cause}: ${detail}; rolled back to ${s.fromVersion}`;
  event(w, 'Warning', 'RolledBack', `rolled back ${to} to ${s.fromVersion} (${cause}): ${detail}`);
}

/** A failure rolls back when spec.rollbackOn allows it, otherwise pauses for a human. */
export function failRelease(w: Work, cause: FailureCause, detail: string, rollbackAllowed: boolean): void {
  if (rollbackAllowed) rollback(w, cause, detail);
  else pause(w, 'Failure', `${cause}: ${detail} (automatic rollback disabled; promote or abort)`);
}

export function promoted(w: Work): void {
  const s = w.status;
  s.phase = 'Promoted';
  s.canaryWeight = 0;
  s.finishedAt = stamp(w.now);
  delete s.rolledBackVersion;
  clearPause(s);
  s.message = `${s.toVersion} promoted to stable`;
  event(w, 'Normal', 'Promoted', `${s.toVersion} is stable (was ${s.fromVersion}); canary scaled to zero`);
}

/** The spec went back to the stable version mid-release: not a failure, nothing to remember. */
export function cancelRelease(w: Work): void {
  const s = w.status;
  s.phase = 'Idle';
  s.canaryWeight = 0;
  s.finishedAt = stamp(w.now);
  clearPause(s);
  s.message = `release of ${s.toVersion} cancelled: the army asks for ${s.fromVersion} again`;
  event(w, 'Normal', 'ReleaseCancelled', s.message);
}

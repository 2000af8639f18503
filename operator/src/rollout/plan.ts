// The shape every rollout strategy shares. A strategy is a small set of pure functions behind one
// `decide(observed, now)` that returns a RolloutPlan: the new status, where pods and traffic should be,
// the analysis tick due now (if any), the events of this pass' transitions and when to look again.
// Controllers observe (from caches), decide, measure when asked (then decide again), apply, and patch
// status once. All progress lives in status, so the same inputs give the same plan after a restart, and
// deciding on a plan's own status changes nothing.
import type { MeasurementRequest } from '../analysis/pipeline.js';

/** An Event to record for a transition (deciding again on the new status records none). */
export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface RolloutPlan<Status, Traffic> {
  /** The full new status (all progress lives there). */
  status: Status;
  /** Where pods and traffic should be after this pass: versions and pods per track, and the routes. */
  traffic: Traffic;
  /** Only for transitions: deciding again on this status records none. */
  events: PlannedEvent[];
  /** Call again after this long; absent when nothing is in flight. */
  requeueAfterMs?: number;
  /** The analysis tick due now: measure it (analysis/pipeline.ts), then decide again with the new run. */
  measurement?: MeasurementRequest;
}

/** Why a release fails; becomes the event reason and the start of the status message. */
export type FailureCause =
  | 'AnalysisFailed'
  | 'EvaluationFailed'
  | 'AnalysisError'
  | 'CrashLoop'
  | 'ProgressDeadlineExceeded'
  | 'ModelDrift'
  | 'Aborted'
  | 'GroupRolledBack';

/** Requeue while a step waits on Deployments (their changes also wake the reconciler). */
export const SAFETY_REQUEUE_MS = 30_000;
/** Shortest requeue, so a compressed test interval of 1s does not spin. */
export const MIN_REQUEUE_MS = 500;

/** The requeue of a pass: the shortest wait, within [MIN_REQUEUE_MS, SAFETY_REQUEUE_MS]. */
export function requeueAfter(waits: readonly number[]): number {
  return Math.max(MIN_REQUEUE_MS, Math.min(SAFETY_REQUEUE_MS, ...waits));
}

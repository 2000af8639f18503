// The shapes every rollout strategy shares. A strategy is a pure `decide(observed, now)` that returns a
// RolloutPlan: the new status, where traffic should be, the measurement due now (if any), the events of
// this pass' transitions and when to look again. Controllers observe, decide, apply and patch status.

/** An Event to record for a transition (deciding again on the new status records none). */
export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

// decideCanary: the CanaryRelease state machine as a pure function of the observation and the clock.
// It returns the new status, where pods and traffic should be, the events of this pass' transitions,
// when to run again and whether to take an analysis measurement now. All progress lives in the status,
// so after a restart the same inputs give the same plan; deciding on its own output changes nothing.
import type { CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
import { requeueAfter } from '../plan.js';
import { currentStable, handleControl } from './control.js';
import { groupStatus, rollBackWithGroup } from './lockstep.js';
import { canaryConditions, canaryTraffic } from './outcome.js';
import { checkHealth, runSteps } from './steps.js';
import { cancelRelease, isActive, startRelease, type Work } from './transitions.js';
import type { CanaryObserved, CanaryPlan } from './types.js';

/** Starts, supersedes or cancels a release when the army's desired version moved. */
function reconcileVersion(w: Work): void {
  const s = w.status;
  const desired = w.obs.desiredVersion;
  if (isActive(s)) {
    if (desired === s.toVersion) return;
    if (desired === s.fromVersion) cancelRelease(w);
    else startRelease(w, s.fromVersion ?? desired, desired, s.toVersion);
    return;
  }
  const stable = currentStable(w);
  // Nothing to compare with (first rollout), no change, or a version that was rolled back: no release.
  if (stable === undefined || desired === stable || desired === s.rolledBackVersion) return;
  startRelease(w, stable, desired);
}

export function decideCanary(obs: CanaryObserved, now: Date): CanaryPlan {
  const input: CanaryReleaseStatus = obs.release.status ?? { phase: 'Idle', canaryWeight: 0 };
  const w: Work = { obs, spec: obs.release.spec, now, status: structuredClone(input), events: [], waits: [] };
  const generation = obs.release.metadata.generation;
  if (generation !== undefined) w.status.observedGeneration = generation;

  handleControl(w);
  reconcileVersion(w);
  rollBackWithGroup(w);
  checkHealth(w);
  runSteps(w);
  groupStatus(w);

  const status = w.status;
  status.conditions = canaryConditions(obs, status, now);
  if (!isActive(status) && status.phase !== 'RolledBack' && currentStable(w) === undefined) {
    status.message = `no stable version yet: ${obs.desiredVersion} is deployed directly`;
  }
  const active = isActive(status);
  const requeue = active ? requeueAfter(w.waits) : undefined;
  return {
    status,
    traffic: canaryTraffic(obs, status),
    events: w.events,
    ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}),
    ...(w.measure ? { measurement: w.measure } : {}),
    ...(w.evaluationJob ? { evaluationJob: w.evaluationJob } : {}),
  };
}

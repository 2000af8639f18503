// What a canary status means for pods, traffic and conditions. Pure functions of the spec, the status and
// the observation, so deciding again on the same status yields the same outcome.
import type { CanaryReleaseSpec, CanaryReleaseStatus, Condition } from '../../api/v1alpha1/index.js';
import { setCondition } from '../../kube/conditions.js';
import { readyPods, trackReady } from '../track-health.js';
import {
  autoscaledSplit,
  type ReplicaSplit,
  type TrafficMode,
  trackReplicas,
} from '../traffic/replica-math.js';
import { describeDrift, MODEL_DRIFT_CONDITION } from './model-drift.js';
import { isActive } from './transitions.js';
import type { CanaryObserved, CanaryTraffic } from './types.js';

export const CANARY_READY = 'CanaryReady';

export function trafficMode(spec: CanaryReleaseSpec): TrafficMode {
  return spec.trafficRouting.gatewayAPI ? 'gatewayAPI' : 'replicas';
}

/** The release is past its last step: the stable track rolls to the new version. */
export function isPromoting(spec: CanaryReleaseSpec, s: CanaryReleaseStatus): boolean {
  return isActive(s) && (s.currentStepIndex ?? 0) >= spec.steps.length;
}

/**
 * The share of requests copied to the canary now: the current step's `mirror.percent` while a release runs
 * it (also while paused in it: an Inconclusive run can be resumed), else undefined. Only an HTTPRoute can
 * mirror: without gatewayAPI the reconciler refuses the release, and no canary pod joins the shared Service.
 */
export function mirrorPercent(spec: CanaryReleaseSpec, s: CanaryReleaseStatus): number | undefined {
  if (!isActive(s) || trafficMode(spec) !== 'gatewayAPI') return undefined;
  return spec.steps[s.currentStepIndex ?? 0]?.mirror?.percent;
}

/** The agent's size as the canary sees it: the fixed count, or the stable track's autoscaled count. */
export type AgentSize = Pick<CanaryObserved, 'totalReplicas' | 'autoscaledMax'>;

/**
 * Pods per track for a status. Outside a release the canary has none. With an HPA on the stable track the
 * stable count is the HPA's (totalReplicas) and the canary gets its share of it (autoscaledSplit).
 */
export function desiredSplit(spec: CanaryReleaseSpec, s: CanaryReleaseStatus, size: AgentSize): ReplicaSplit {
  const total = size.totalReplicas;
  if (!isActive(s)) return { stable: total, canary: 0, effectiveWeight: 0 };
  const cohorts = (spec.trafficRouting.cohorts?.length ?? 0) > 0 ? 1 : 0;
  const mode = trafficMode(spec);
  const mirrored = mirrorPercent(spec, s);
  if (mirrored !== undefined) {
    // Shadow traffic: the canary gets the pods the mirrored share needs, and no user request.
    const copies = trackReplicas('gatewayAPI', total, mirrored);
    return { stable: total, canary: copies.canary, effectiveWeight: 0 };
  }
  const split =
    size.autoscaledMax === undefined
      ? trackReplicas(mode, total, s.canaryWeight, cohorts)
      : autoscaledSplit(mode, total, s.canaryWeight, size.autoscaledMax, cohorts);
  if (!isPromoting(spec, s)) return split;
  // Promoting: the stable track comes up at full size on the new version before the canary goes.
  const all = total + split.canary;
  const eff =
    all === 0
      ? 0
      : trafficMode(spec) === 'replicas'
        ? Math.round((split.canary / all) * 10_000) / 100
        : split.effectiveWeight;
  return { stable: total, canary: split.canary, effectiveWeight: eff };
}

/** The canary runs toVersion on the pods its current weight needs, all available. */
export function canaryReady(obs: CanaryObserved, s: CanaryReleaseStatus): boolean {
  const to = s.toVersion;
  return (
    to !== undefined && trackReady(obs.canary.deployment, to, desiredSplit(obs.release.spec, s, obs).canary)
  );
}

export function canaryTraffic(obs: CanaryObserved, s: CanaryReleaseStatus): CanaryTraffic {
  const spec = obs.release.spec;
  const mode = trafficMode(spec);
  const split = desiredSplit(spec, s, obs);
  const active = isActive(s);
  const mirrored = mirrorPercent(spec, s);
  let stableVersion: string;
  if (active) stableVersion = (isPromoting(spec, s) ? s.toVersion : s.fromVersion) ?? obs.desiredVersion;
  else if (s.phase === 'Promoted') stableVersion = s.toVersion ?? obs.desiredVersion;
  else if (s.phase === 'RolledBack') stableVersion = s.fromVersion ?? obs.desiredVersion;
  else stableVersion = obs.stableVersion ?? obs.desiredVersion;
  return {
    mode,
    stableVersion,
    ...(s.toVersion !== undefined ? { canaryVersion: s.toVersion } : {}),
    weight: active ? s.canaryWeight : 0,
    effectiveWeight: split.effectiveWeight,
    replicas: { stable: split.stable, canary: split.canary },
    // A shadow canary answers no user: cohorts wait for the first weighted step.
    cohortsToCanary:
      mode === 'gatewayAPI' &&
      active &&
      mirrored === undefined &&
      split.canary > 0 &&
      (spec.trafficRouting.cohorts?.length ?? 0) > 0,
    ...(mirrored !== undefined ? { mirrorPercent: mirrored } : {}),
  };
}

type Desired = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

function phaseConditions(spec: CanaryReleaseSpec, s: CanaryReleaseStatus): Desired[] {
  const message = s.message ?? s.phase;
  const settled = s.phase === 'Idle' || s.phase === 'Promoted' || s.phase === 'RolledBack';
  const progressing: Desired =
    s.phase === 'Progressing'
      ? {
          type: 'Progressing',
          status: 'True',
          reason: isPromoting(spec, s) ? 'Promoting' : 'StepRunning',
          message,
        }
      : s.phase === 'Paused'
        ? { type: 'Progressing', status: 'Unknown', reason: 'Paused', message }
        : {
            type: 'Progressing',
            status: 'False',
            reason: s.phase === 'Idle' ? 'NoRelease' : s.phase,
            message,
          };
  const failing = s.phase === 'Paused' && s.pauseReason === 'Failure';
  const degraded: Desired =
    s.phase === 'RolledBack' || s.phase === 'Failed' || failing
      ? { type: 'Degraded', status: 'True', reason: failing ? 'ReleaseFailing' : s.phase, message }
      : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no failure' };
  return [
    settled
      ? { type: 'Ready', status: 'True', reason: s.phase, message }
      : { type: 'Ready', status: 'False', reason: s.phase, message },
    progressing,
    degraded,
  ];
}

/** Ready/Progressing/Degraded from the phase, plus CanaryReady while a canary step runs. */
export function canaryConditions(obs: CanaryObserved, s: CanaryReleaseStatus, now: Date): Condition[] {
  const spec = obs.release.spec;
  const gen = obs.release.metadata.generation;
  const at = now.getTime();
  const withGen = (c: Desired) => ({ ...c, ...(gen !== undefined ? { observedGeneration: gen } : {}) });
  let list = s.conditions ?? [];
  for (const c of phaseConditions(spec, s)) list = setCondition(list, withGen(c), at);
  const drift = s.modelDrift;
  list = drift
    ? setCondition(
        list,
        withGen({
          type: MODEL_DRIFT_CONDITION,
          status: 'True',
          reason: 'ServedModelDiffers',
          message: describeDrift(s.toVersion, drift),
        }),
        at,
      )
    : list.filter((c) => c.type !== MODEL_DRIFT_CONDITION);
  if (!isActive(s) || isPromoting(spec, s)) return list.filter((c) => c.type !== CANARY_READY);
  const ready = canaryReady(obs, s);
  const want = desiredSplit(spec, s, obs).canary;
  const pods = `${readyPods(obs.canary.deployment)}/${want} canary pods of ${s.toVersion} Ready`;
  return setCondition(
    list,
    withGen({
      type: CANARY_READY,
      status: ready ? 'True' : 'False',
      reason: ready ? 'PodsReady' : 'PodsNotReady',
      message: pods,
    }),
    at,
  );
}

// The plan for one agent with strategy Canary. Its CanaryRelease (driven by the CanaryRelease controller)
// holds all progress in status; this derives pods and versions from that status, so the army controller
// stays the only writer of the agent's Deployments. Pure.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Agent, AgentStatus, CanaryRelease } from '../../api/v1alpha1/index.js';
import { currentReplicas } from '../../rollout/autoscale.js';
import { canaryTraffic } from '../../rollout/canary/outcome.js';
import { isActive } from '../../rollout/canary/transitions.js';
import { childName } from '../../rollout/labels.js';
import { minimumReplicas, renderHpa, renderPdb } from '../../rollout/render/render-service.js';
import { type ResolvedVersion, renderCanaryChildren } from '../../rollout/render/render-tracks.js';
import { rolloutComplete } from '../../rollout/track-health.js';
import { canaryRouter } from '../../rollout/traffic/canary-router.js';
import { releaseDesiredVersion } from '../../rollout/upgrade-guard.js';
import { type AgentPlan, resolveVersion, unrenderable } from './agent-plan.js';
import type { ObservedArmy } from './observed.js';

/** The agent's CanaryRelease, or why it cannot be used. */
export function findRelease(
  obs: ObservedArmy,
  agent: Agent,
): { release: CanaryRelease } | { problem: NonNullable<AgentPlan['problem']> } {
  const name = agent.strategy.canary?.canaryReleaseRef.name ?? '';
  const path = `spec.agents[name=${agent.name}].strategy.canary.canaryReleaseRef`;
  const invalid = obs.invalidReleases.get(name);
  if (invalid !== undefined) return { problem: { reason: 'InvalidRelease', message: `${path}: ${invalid}` } };
  const release = obs.releases.get(name);
  if (!release)
    return { problem: { reason: 'ReleaseNotFound', message: `${path}: CanaryRelease ${name} not found` } };
  const t = release.spec.targetRef;
  if (t.army !== obs.army.metadata.name || t.agent !== agent.name) {
    return {
      problem: {
        reason: 'ReleaseMismatch',
        message: `${path}: CanaryRelease ${name} targets ${t.army}/${t.agent}, not ${obs.army.metadata.name}/${agent.name}`,
      },
    };
  }
  return { release };
}

export function planCanaryAgent(obs: ObservedArmy, agent: Agent, base: AgentStatus): AgentPlan {
  const army = obs.army;
  const namespace = army.metadata.namespace ?? 'default';
  const ref = { army: army.metadata.name ?? '', agent: agent.name };
  const degraded = (problem: NonNullable<AgentPlan['problem']>): AgentPlan => unrenderable(base, { problem });
  const found = findRelease(obs, agent);
  if ('problem' in found) return degraded(found.problem);
  const { release } = found;
  const desired = resolveVersion(obs, agent, agent.version);
  if (!('resolved' in desired)) return unrenderable(base, desired);

  const stableDep = obs.children.deployments.get(childName(ref, 'stable'));
  const canaryDep = obs.children.deployments.get(childName(ref, 'canary'));
  const stableName = base.stableVersion;
  const guard = releaseDesiredVersion(
    stableName ? obs.versions.get(stableName) : undefined,
    desired.resolved.av,
    agent,
  );
  // With autoscaling the HPA sizes the stable track; the canary gets its share of the stable count now.
  const total = currentReplicas(agent, stableDep);
  const status = release.status ?? { phase: 'Idle' as const, canaryWeight: 0 };
  const traffic = canaryTraffic(
    {
      release,
      desiredVersion: guard.name,
      stableVersion: stableName,
      totalReplicas: total,
      ...(agent.autoscaling ? { autoscaledMax: agent.autoscaling.maxReplicas } : {}),
      canary: { deployment: canaryDep, crashLooping: false },
      stable: { deployment: stableDep },
    },
    status,
  );

  const versions: { stable?: ResolvedVersion; canary?: ResolvedVersion } = {};
  for (const [track, name] of [
    ['stable', traffic.stableVersion],
    ['canary', traffic.canaryVersion],
  ] as const) {
    if (name === undefined) continue;
    const r = resolveVersion(obs, agent, name);
    if (!('resolved' in r)) return unrenderable(base, r);
    versions[track] = r.resolved;
  }
  if (!versions.stable) return degraded({ reason: 'VersionNotFound', message: 'no stable version to run' });
  const ctx = {
    namespace,
    ref,
    agent,
    defaults: army.spec.defaults,
    serviceAccountName: army.spec.serviceAccountName,
  };
  const pdb = renderPdb({ namespace, ref, minReplicas: minimumReplicas(agent.replicas, agent.autoscaling) });
  const hpa = agent.autoscaling
    ? renderHpa({ namespace, ref, track: 'stable', autoscaling: agent.autoscaling })
    : undefined;
  const objects: KubernetesObject[] = [
    ...renderCanaryChildren(
      ctx,
      traffic,
      { stable: versions.stable, ...(versions.canary ? { canary: versions.canary } : {}) },
      canaryRouter({ namespace, ref, routing: release.spec.trafficRouting }).setWeights(traffic.weight)
        .services,
    ),
    ...(hpa ? [hpa] : []),
    ...(pdb ? [pdb] : []),
  ];

  const stableDone = rolloutComplete(stableDep, traffic.stableVersion);
  const settledStable = stableDone && !isActive(status) ? traffic.stableVersion : stableName;
  const next: AgentStatus = {
    ...base,
    ...(settledStable ? { stableVersion: settledStable } : {}),
    canaryRelease: release.metadata.name ?? '',
  };
  const problem = guard.blocked
    ? { reason: 'UpgradeBlocked' as const, message: guard.blocked }
    : status.phase === 'RolledBack' && status.rolledBackVersion === agent.version
      ? { reason: 'RolledBack' as const, message: status.message ?? `${agent.version} was rolled back` }
      : undefined;
  let agentStatus: AgentStatus;
  if (problem) agentStatus = { ...next, phase: 'Degraded', message: problem.message };
  else if (isActive(status)) {
    agentStatus = {
      ...next,
      phase: 'Progressing',
      message: `canary ${status.toVersion} at ${status.canaryWeight}% (${status.phase}${status.message ? `: ${status.message}` : ''})`,
    };
  } else if (stableDone && traffic.stableVersion === guard.name) {
    agentStatus = { ...next, phase: 'Ready', message: `running ${versions.stable.av.spec.version}` };
  } else {
    agentStatus = {
      ...next,
      phase: 'Progressing',
      message: `waiting for ${traffic.stableVersion} on the stable track`,
    };
  }
  const events =
    agentStatus.phase === 'Ready' && base.stableVersion !== settledStable
      ? [
          {
            type: 'Normal' as const,
            reason: 'RolloutCompleted',
            message: `agent ${agent.name} runs ${settledStable}`,
          },
        ]
      : [];
  // A pause step, a manual pause or an inconclusive analysis waits for a person; a failure does not.
  const pausedForHuman =
    agentStatus.phase === 'Progressing' && status.phase === 'Paused' && status.pauseReason !== 'Failure';
  return {
    status: agentStatus,
    objects,
    keepExisting: false,
    ...(problem ? { problem } : {}),
    events,
    ...(pausedForHuman ? { pausedForHuman } : {}),
  };
}

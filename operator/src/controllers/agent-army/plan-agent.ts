// The plan for one agent of an army: the strategy's planner, or for RollingUpdate: which children to apply, what its
// status is, and which events to record. Pure: no I/O, no clock.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Agent, AgentStatus, AgentVersion } from '../../api/v1alpha1/index.js';
import { type AgentRef, childName } from '../../rollout/labels.js';
import type { PlannedEvent } from '../../rollout/plan.js';
import { renderDeployment } from '../../rollout/render/render-deployment.js';
import { minimumReplicas, renderHpa, renderPdb, renderService } from '../../rollout/render/render-service.js';
import type { ResolvedVersion } from '../../rollout/render/render-tracks.js';
import {
  podTrouble,
  progressDeadlineExceeded,
  rolloutComplete,
  runningVersionName,
} from '../../rollout/track-health.js';
import { checkUpgrade } from '../../rollout/upgrade-guard.js';
import {
  type AgentPlan,
  agentPodsOf,
  type Problem,
  resolveVersion,
  type Unresolved,
  unrenderable,
} from './agent-plan.js';
import type { ObservedArmy } from './observed.js';
import { planBlueGreenAgent } from './plan-blue-green-agent.js';
import { planCanaryAgent } from './plan-canary-agent.js';

/** Which AgentVersion a RollingUpdate agent renders, or why none can be. */
function chooseVersion(
  obs: ObservedArmy,
  agent: Agent,
  running: AgentVersion | undefined,
): { resolved: ResolvedVersion; blocked?: Problem } | Unresolved {
  const desired = resolveVersion(obs, agent, agent.version);
  if (!('resolved' in desired)) return desired;
  const verdict = checkUpgrade(running, desired.resolved.av, agent.allowBreakingUpgrade);
  if (verdict.allowed || !running) return desired;
  // Blocked: keep rendering the running version, so nothing changes for the pods.
  const kept = resolveVersion(obs, agent, running.metadata.name ?? '');
  if (!('resolved' in kept)) return kept;
  return { resolved: kept.resolved, blocked: { reason: 'UpgradeBlocked', message: verdict.message } };
}

export function planAgent(obs: ObservedArmy, agent: Agent, now: Date): AgentPlan {
  const army = obs.army;
  const namespace = army.metadata.namespace ?? 'default';
  const ref: AgentRef = { army: army.metadata.name ?? '', agent: agent.name };
  const previous = army.status?.agents?.find((a) => a.name === agent.name);
  const objectName = childName(ref);
  const live = obs.children.deployments.get(objectName);
  // The stable version is the last one that completed a rollout (kept in status, so it survives restarts);
  // the live Deployment's annotation only fills in when status was lost, since it changes on every apply.
  const stableName =
    previous?.stableVersion ??
    (live && rolloutComplete(live, runningVersionName(live) ?? '') ? runningVersionName(live) : undefined);
  const running = stableName ? obs.versions.get(stableName) : undefined;
  const base: AgentStatus = {
    name: agent.name,
    phase: 'Pending',
    desiredVersion: agent.version,
    ...(stableName ? { stableVersion: stableName } : {}),
    replicas: live?.status?.replicas ?? 0,
    readyReplicas: live?.status?.readyReplicas ?? 0,
    updatedReplicas: live?.status?.updatedReplicas ?? 0,
  };

  if (agent.strategy.type === 'Canary') return planCanaryAgent(obs, agent, base);
  if (agent.strategy.type === 'BlueGreen') return planBlueGreenAgent(obs, agent, base, now);

  const choice = chooseVersion(obs, agent, running);
  if (!('resolved' in choice)) return unrenderable(base, choice);
  const { av, config } = choice.resolved;
  const track = 'stable' as const;
  const hpa = agent.autoscaling
    ? renderHpa({ namespace, ref, track, autoscaling: agent.autoscaling })
    : undefined;
  const avName = av.metadata.name ?? '';
  const done = rolloutComplete(live, avName);
  // A new agent gets its Service and PDB with its first ready pod: created earlier, every pod that starts
  // makes the endpoint and disruption controllers rewrite their EndpointSlice, Endpoints and PDB status
  // (measured: the children of 999 new agents took the control plane twice as long as their Deployments
  // alone). Once they exist they are always rendered, so an edit or deletion is mended at once.
  const serving =
    done ||
    (live?.status?.availableReplicas ?? 0) > 0 ||
    obs.children.services.has(objectName) ||
    obs.children.pdbs.has(objectName);
  const pdb = serving
    ? renderPdb({ namespace, ref, minReplicas: minimumReplicas(agent.replicas, agent.autoscaling) })
    : undefined;
  const objects: KubernetesObject[] = [
    renderDeployment({
      namespace,
      ref,
      track,
      av,
      agent,
      defaults: army.spec.defaults,
      serviceAccountName: army.spec.serviceAccountName,
      config,
      replicas: agent.autoscaling ? undefined : agent.replicas,
    }),
    ...(serving ? [renderService({ namespace, ref })] : []),
    ...(hpa ? [hpa] : []),
    ...(pdb ? [pdb] : []),
  ];

  const events: PlannedEvent[] = [];
  let status: AgentStatus;
  let problem: Problem | undefined = choice.blocked;
  if (choice.blocked) {
    status = { ...base, phase: 'Degraded', message: choice.blocked.message };
  } else if (!done && progressDeadlineExceeded(live, avName)) {
    // Kubernetes gave up on the rollout (the Deployment's progressDeadlineSeconds): the agent is Degraded
    // with what its pods say, until the pods recover or the spec changes.
    const trouble = podTrouble(agentPodsOf(obs, agent.name), avName);
    const message = `rollout of ${av.spec.version} made no progress within ${live?.spec?.progressDeadlineSeconds ?? 600} s (${base.readyReplicas} ready)${trouble ? `: ${trouble.message}` : ''}`;
    problem = { reason: 'ProgressDeadlineExceeded', message };
    status = { ...base, phase: 'Degraded', reason: 'ProgressDeadlineExceeded', message };
  } else if (done) {
    status = { ...base, phase: 'Ready', stableVersion: avName, message: `running ${av.spec.version}` };
    if (previous?.phase !== 'Ready' || previous.stableVersion !== avName) {
      events.push({
        type: 'Normal',
        reason: 'RolloutCompleted',
        message: `agent ${agent.name} runs ${avName} (${av.spec.version}) on ${base.readyReplicas} ready pods`,
      });
    }
  } else {
    const want = live?.spec?.replicas ?? agent.replicas;
    const atVersion = runningVersionName(live) === avName ? (base.updatedReplicas ?? 0) : 0;
    status = {
      ...base,
      phase: 'Progressing',
      message: `rolling out ${av.spec.version}: ${atVersion}/${want} updated, ${base.readyReplicas} ready`,
    };
  }
  return {
    status,
    objects,
    keepExisting: false,
    ...(problem ? { problem } : {}),
    events,
  };
}

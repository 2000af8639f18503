// The plan for one agent of an army under the RollingUpdate strategy: which children to apply, what its
// status is, and which events to record. Pure: no I/O, no clock.
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Agent, AgentStatus, AgentVersion, ControlResult } from '../../api/v1alpha1/index.js';
import type { AnalysisRequest } from '../../progressive/canary-types.js';
import type { ResolvedVersion } from '../../progressive/render-tracks.js';
import { podTrouble, progressDeadlineExceeded } from '../../progressive/track-health.js';
import { type AgentRef, ANNOTATION, childName, LABEL } from './labels.js';
import type { ObservedArmy } from './observed.js';
import { planBlueGreenAgent } from './plan-blue-green-agent.js';
import { planCanaryAgent } from './plan-canary-agent.js';
import { versionConfigName } from './render-config.js';
import { renderDeployment } from './render-deployment.js';
import { minimumReplicas, renderHpa, renderPdb, renderService } from './render-service.js';
import { checkUpgrade } from './upgrade-guard.js';

export type AgentProblem =
  | 'VersionNotFound'
  | 'InvalidVersion'
  | 'AgentMismatch'
  | 'VersionNotReady'
  | 'UpgradeBlocked'
  | 'ReleaseNotFound'
  | 'InvalidRelease'
  | 'ReleaseMismatch'
  | 'RolledBack'
  | 'ProgressDeadlineExceeded';

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface AgentPlan {
  status: AgentStatus;
  /** Children to keep in place (applied when they drifted). */
  objects: KubernetesObject[];
  /** When rendering is impossible, the agent's existing children are kept as they are (not pruned). */
  keepExisting: boolean;
  problem?: { reason: AgentProblem; message: string };
  events: PlannedEvent[];
  /** Ask to be called again after this long (blue-green timers), in ms. */
  requeueAfterMs?: number;
  /** Blue-green: the agent handled the army's status.control; write this to status.lastControl. */
  lastControl?: ControlResult;
  /** Blue-green: take one pre-promotion analysis measurement of the preview color, then decide again. */
  measure?: PreviewMeasurement;
  /** Canary: the agent's release is paused until a person acts (promote, resume, abort), not by a failure. */
  pausedForHuman?: boolean;
}

/** One analysis tick the reconciler takes for an agent: the preview color against the active one. */
export interface PreviewMeasurement {
  agent: string;
  request: AnalysisRequest;
  subjectTrack: 'blue' | 'green';
  baselineTrack: 'blue' | 'green';
}

/** The pods of one agent of the observed army (all tracks). */
export function agentPodsOf(obs: ObservedArmy, agent: string): V1Pod[] {
  return (obs.pods ?? []).filter((p) => p.metadata?.labels?.[LABEL.agent] === agent);
}

/**
 * An agent still starting (Pending or Progressing) whose pods cannot start or stay up says why: the reason
 * and the kubelet's (or scheduler's) message in its status, and one Warning Event when the reason is new.
 */
export function withPodTrouble(obs: ObservedArmy, plan: AgentPlan): AgentPlan {
  const { status } = plan;
  if (status.phase !== 'Pending' && status.phase !== 'Progressing') return plan;
  const trouble = podTrouble(agentPodsOf(obs, status.name));
  if (!trouble) return plan;
  const previous = obs.army.status?.agents?.find((a) => a.name === status.name);
  const events =
    previous?.reason === trouble.reason
      ? plan.events
      : [
          ...plan.events,
          {
            type: 'Warning' as const,
            reason: trouble.reason,
            message: `agent ${status.name}: ${trouble.message}`,
          },
        ];
  const message = status.message ? `${status.message}; ${trouble.message}` : trouble.message;
  return { ...plan, status: { ...status, reason: trouble.reason, message: message.slice(0, 1024) }, events };
}

/** The AgentVersion name the live Deployment runs, from the annotation the operator put on it. */
export function runningVersionName(dep: V1Deployment | undefined): string | undefined {
  return dep?.metadata?.annotations?.[ANNOTATION.agentVersion] || undefined;
}

/** A Deployment has finished rolling out the given version: every pod updated and available. */
export function rolloutComplete(dep: V1Deployment | undefined, versionName: string): boolean {
  if (!dep || runningVersionName(dep) !== versionName) return false;
  const want = dep.spec?.replicas ?? 1;
  const s = dep.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.availableReplicas ?? 0) >= want &&
    (s.replicas ?? 0) === want
  );
}

function isReadyFalse(av: AgentVersion): string | undefined {
  const ready = av.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'False' ? ready.message : undefined;
}

type Problem = NonNullable<AgentPlan['problem']>;

/** How often an agent waiting for its version's config ConfigMap looks again (its add event also wakes it). */
export const CONFIG_PENDING_RECHECK_MS = 10_000;

/** Why a version cannot be rendered now: a problem (Degraded), or its config ConfigMap is not there yet. */
export type Unresolved = { problem: Problem } | { waiting: string };

/** An AgentVersion of this agent with its config ConfigMap, ready to render — or why it cannot be rendered. */
export function resolveVersion(
  obs: ObservedArmy,
  agent: Agent,
  name: string,
): { resolved: ResolvedVersion } | Unresolved {
  const path = `spec.agents[name=${agent.name}].version`;
  const invalid = obs.invalidVersions.get(name);
  if (invalid !== undefined) {
    return {
      problem: { reason: 'InvalidVersion', message: `${path}: AgentVersion ${name} is invalid: ${invalid}` },
    };
  }
  const av = obs.versions.get(name);
  if (!av)
    return { problem: { reason: 'VersionNotFound', message: `${path}: AgentVersion ${name} not found` } };
  if (av.spec.agent !== agent.name) {
    return {
      problem: {
        reason: 'AgentMismatch',
        message: `${path}: AgentVersion ${name} is a version of agent "${av.spec.agent}", not "${agent.name}"`,
      },
    };
  }
  const notReady = isReadyFalse(av);
  if (notReady !== undefined) {
    return {
      problem: { reason: 'VersionNotReady', message: `AgentVersion ${name} is not Ready: ${notReady}` },
    };
  }
  // Pods are rendered only for a config the ConfigMap really holds (written by the AgentVersion controller).
  const config = obs.configs.get(name);
  if (!config) return { waiting: `waiting for ConfigMap ${versionConfigName(name)} of AgentVersion ${name}` };
  return { resolved: { av, config } };
}

/**
 * The plan of an agent none of whose children can be rendered now: its existing children stay as they are.
 * A problem makes it Degraded (with its Warning Event); waiting for a version's config ConfigMap does not.
 */
export function unrenderable(status: AgentStatus, why: Unresolved): AgentPlan {
  const keep = { objects: [], keepExisting: true, events: [] };
  if ('waiting' in why) {
    const phase = (status.replicas ?? 0) > 0 ? 'Progressing' : 'Pending';
    return {
      ...keep,
      status: { ...status, phase, message: why.waiting },
      requeueAfterMs: CONFIG_PENDING_RECHECK_MS,
    };
  }
  return {
    ...keep,
    status: { ...status, phase: 'Degraded', message: why.problem.message },
    problem: why.problem,
  };
}

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

// What the army's decide asks of each agent, whatever its strategy: the AgentPlan shape, version
// resolution (an AgentVersion with its config ConfigMap) and the pod trouble every starting agent reports.
// Pure: no I/O, no clock.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { MeasurementRequest } from '../../analysis/pipeline.js';
import type { Agent, AgentStatus, AgentVersion, ControlResult } from '../../api/v1alpha1/index.js';
import { LABEL } from '../../rollout/labels.js';
import type { PlannedEvent } from '../../rollout/plan.js';
import { versionConfigName } from '../../rollout/render/render-config.js';
import type { ResolvedVersion } from '../../rollout/render/render-tracks.js';
import { podTrouble } from '../../rollout/track-health.js';
import type { ObservedArmy } from './observed.js';

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
  measure?: AgentMeasurement;
  /** Canary: the agent's release is paused until a person acts (promote, resume, abort), not by a failure. */
  pausedForHuman?: boolean;
}

/** One analysis tick the reconciler takes for an agent (a blue-green preview against its active color). */
export interface AgentMeasurement {
  agent: string;
  request: MeasurementRequest;
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

function isReadyFalse(av: AgentVersion): string | undefined {
  const ready = av.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'False' ? ready.message : undefined;
}

export type Problem = NonNullable<AgentPlan['problem']>;

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

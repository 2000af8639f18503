// The overview page's data: every army with its agents and conditions, every release with its step,
// weight and phase. Pure.
import type { AgentArmy, CanaryRelease, Condition } from '../../api/v1alpha1/index.js';
import { describeStep } from '../../rollout/canary/transitions.js';
import type { InvalidObject } from './cluster-state.js';

export interface AgentRow {
  name: string;
  phase: string;
  strategy: string;
  stableVersion: string;
  desiredVersion: string;
  ready: string;
  message: string;
  /** The release page of a Canary agent. */
  releaseHref: string | undefined;
}

export interface ArmyRow {
  namespace: string;
  name: string;
  phase: string;
  ready: string;
  conditions: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>[];
  agents: AgentRow[];
}

export interface ReleaseRow {
  namespace: string;
  name: string;
  target: string;
  phase: string;
  pauseReason: string;
  step: string;
  stepLabel: string;
  weight: number;
  from: string;
  to: string;
  message: string;
  href: string;
  diffHref: string | undefined;
}

export interface OverviewModel {
  armies: ArmyRow[];
  releases: ReleaseRow[];
  invalid: InvalidObject[];
  problems: string[];
  scope: string;
}

const seg = encodeURIComponent;
export const releaseHref = (namespace: string, name: string) => `/releases/${seg(namespace)}/${seg(name)}`;
export const diffHref = (namespace: string, from: string | undefined, to: string | undefined) =>
  from && to ? `/diff/${seg(namespace)}/${seg(from)}/${seg(to)}` : undefined;

const byKey = <T extends { namespace: string; name: string }>(a: T, b: T) =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

export function armyRow(army: AgentArmy): ArmyRow {
  const namespace = army.metadata.namespace ?? '';
  const status = new Map((army.status?.agents ?? []).map((a) => [a.name, a]));
  return {
    namespace,
    name: army.metadata.name ?? '',
    phase: army.status?.phase ?? 'Pending',
    ready: army.status?.ready ?? '-',
    conditions: (army.status?.conditions ?? []).map(({ type, status, reason, message }) => ({
      type,
      status,
      reason,
      message,
    })),
    agents: army.spec.agents.map((agent) => {
      const s = status.get(agent.name);
      const release = agent.strategy.canary?.canaryReleaseRef.name;
      return {
        name: agent.name,
        phase: s?.phase ?? 'Pending',
        strategy: agent.strategy.type,
        stableVersion: s?.stableVersion ?? '-',
        desiredVersion: s?.desiredVersion ?? agent.version,
        ready: s?.replicas === undefined ? String(s?.readyReplicas ?? 0) : `${s.readyReplicas}/${s.replicas}`,
        message: s?.message ?? '',
        releaseHref: release ? releaseHref(namespace, release) : undefined,
      };
    }),
  };
}

export function releaseRow(release: CanaryRelease): ReleaseRow {
  const namespace = release.metadata.namespace ?? '';
  const name = release.metadata.name ?? '';
  const s = release.status;
  const n = release.spec.steps.length;
  const i = s?.currentStepIndex;
  return {
    namespace,
    name,
    target: `${release.spec.targetRef.army}/${release.spec.targetRef.agent}`,
    phase: s?.phase ?? 'Idle',
    pauseReason: s?.phase === 'Paused' ? (s.pauseReason ?? '') : '',
    step: i === undefined ? '-' : `${Math.min(i + 1, n)}/${n}`,
    stepLabel: i === undefined ? '' : describeStep(release.spec.steps[i]),
    weight: s?.canaryWeight ?? 0,
    from: s?.fromVersion ?? '',
    to: s?.toVersion ?? '',
    message: s?.message ?? '',
    href: releaseHref(namespace, name),
    diffHref: diffHref(namespace, s?.fromVersion, s?.toVersion),
  };
}

export function overviewModel(input: {
  armies: AgentArmy[];
  releases: CanaryRelease[];
  invalid: InvalidObject[];
  problems: string[];
  scope: string;
}): OverviewModel {
  return {
    armies: input.armies.map(armyRow).sort(byKey),
    releases: input.releases.map(releaseRow).sort(byKey),
    invalid: input.invalid,
    problems: input.problems,
    scope: input.scope,
  };
}

// decide: a pure function of the observed army and the clock. It returns the plan the reconciler carries
// out: children to apply (when they drifted), children to prune, the new status and the events.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AgentArmyStatus, ArmyPhase, Condition, ControlResult } from '../../api/v1alpha1/index.js';
import { isConditionTrue, setCondition } from '../../kube/conditions.js';
import type { PlannedEvent } from '../../rollout/plan.js';
import { type AgentMeasurement, type AgentPlan, withPodTrouble } from './agent-plan.js';
import type { ObservedArmy } from './observed.js';
import { planAgent } from './plan-agent.js';

export interface ArmyPlan {
  /** Every child the army should have (the reconciler applies those that drifted). */
  desired: KubernetesObject[];
  /** Agents whose existing children must be left alone (nothing renderable for them now). */
  keepAgents: string[];
  status: AgentArmyStatus;
  events: PlannedEvent[];
  /** Ask to be called again after this long (a rollout in progress), in ms. */
  requeueAfterMs?: number;
  /** Blue-green analysis ticks to take before deciding again (the reconciler measures, then re-decides). */
  measurements: AgentMeasurement[];
}

type DesiredCondition = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

function armyConditions(plans: AgentPlan[]): DesiredCondition[] {
  const notReady = plans.filter((p) => p.status.phase !== 'Ready');
  const progressing = plans.filter((p) => p.status.phase === 'Progressing');
  const problems = plans.filter((p) => p.problem);
  const blocked = plans.filter((p) => p.problem?.reason === 'UpgradeBlocked');
  const list = (ps: AgentPlan[]) =>
    ps.map((p) => `${p.status.name}: ${p.status.message ?? p.status.phase}`).join('; ');
  return [
    notReady.length === 0
      ? { type: 'Ready', status: 'True', reason: 'AllAgentsReady', message: `${plans.length} agents ready` }
      : {
          type: 'Ready',
          status: 'False',
          reason: problems[0]?.problem?.reason ?? 'AgentsNotReady',
          message: list(notReady),
        },
    progressing.length > 0
      ? {
          type: 'Progressing',
          status: 'True',
          // Every agent still rolling out waits for a person: GitOps tools show the army Suspended.
          reason: progressing.every((p) => p.pausedForHuman) ? 'ReleasePaused' : 'RollingOut',
          message: list(progressing),
        }
      : {
          type: 'Progressing',
          status: 'False',
          reason: 'RolloutComplete',
          message: 'no rollout in progress',
        },
    problems.length > 0
      ? {
          type: 'Degraded',
          status: 'True',
          reason: problems[0]?.problem?.reason ?? 'Degraded',
          message: list(problems),
        }
      : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'all agents as expected' },
    blocked.length > 0
      ? { type: 'UpgradeBlocked', status: 'True', reason: 'UpgradeBlocked', message: list(blocked) }
      : {
          type: 'UpgradeBlocked',
          status: 'False',
          reason: 'NoBlockedUpgrade',
          message: 'no upgrade blocked',
        },
  ];
}

/**
 * The army's phase, read from its conditions (as kstatus and Argo Rollouts read a resource's state): a
 * problem (Degraded) first, then Ready, then a rollout in progress; otherwise its agents are pending.
 */
export function phaseFromConditions(conditions: readonly Condition[] | undefined): ArmyPhase {
  if (isConditionTrue(conditions, 'Degraded')) return 'Degraded';
  if (isConditionTrue(conditions, 'Ready')) return 'Ready';
  if (isConditionTrue(conditions, 'Progressing')) return 'Progressing';
  return 'Pending';
}

/** Events for agents whose problem is new since the last status (so a steady state records none). */
function problemEvents(obs: ObservedArmy, plans: AgentPlan[]): PlannedEvent[] {
  return plans.flatMap((p) => {
    const before = obs.army.status?.agents?.find((a) => a.name === p.status.name);
    if (!p.problem || (before?.phase === p.status.phase && before.message === p.status.message)) return [];
    // The agent's own plan already told this (e.g. blue-green's RolledBack with its cause): not twice.
    if (p.events.some((e) => e.type === 'Warning' && e.reason === p.problem?.reason)) return [];
    return [{ type: 'Warning' as const, reason: p.problem.reason, message: p.problem.message }];
  });
}

/**
 * One Event per (type, reason) and reconcile: three agents of a new army completing together make one
 * `RolloutCompleted` naming all three, not three Events (each is an apiserver write; an army of many agents
 * created at once would otherwise write one per agent). Messages keep the agents' order.
 */
export function mergeEvents(events: PlannedEvent[]): PlannedEvent[] {
  const merged = new Map<string, PlannedEvent>();
  for (const e of events) {
    const key = `${e.type}|${e.reason}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, { ...e });
    else if (!seen.message.split('; ').includes(e.message)) seen.message = `${seen.message}; ${e.message}`;
  }
  return [...merged.values()];
}

export function decide(obs: ObservedArmy, now: Date): ArmyPlan {
  const army = obs.army;
  const generation = army.metadata.generation;
  const plans = army.spec.agents.map((agent) => withPodTrouble(obs, planAgent(obs, agent, now)));
  let conditions = army.status?.conditions;
  for (const c of armyConditions(plans)) {
    conditions = setCondition(
      conditions,
      { ...c, ...(generation !== undefined ? { observedGeneration: generation } : {}) },
      now.getTime(),
    );
  }
  const ready = plans.filter((p) => p.status.phase === 'Ready').length;
  const status: AgentArmyStatus = {
    ...army.status,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    phase: phaseFromConditions(conditions),
    ready: `${ready}/${plans.length}`,
    conditions,
    agents: plans.map((p) => p.status),
  };
  // status.control is the human's (kept as read); the outcome of handling it goes to lastControl.
  const handled: ControlResult | undefined = plans.find((p) => p.lastControl)?.lastControl;
  if (handled) status.lastControl = handled;
  const rolling = plans.some((p) => p.status.phase === 'Progressing');
  const waits = plans.flatMap((p) => (p.requeueAfterMs !== undefined ? [p.requeueAfterMs] : []));
  if (rolling) waits.push(30_000);
  return {
    desired: plans.flatMap((p) => p.objects),
    keepAgents: plans.filter((p) => p.keepExisting).map((p) => p.status.name),
    status,
    events: mergeEvents([...plans.flatMap((p) => p.events), ...problemEvents(obs, plans)]),
    // Deployment status changes wake the reconciler through the informer; 30 s is only a safety net.
    // Blue-green timers (scale-down delay, analysis interval) ask for their own, shorter, requeue.
    ...(waits.length > 0 ? { requeueAfterMs: Math.min(...waits) } : {}),
    measurements: plans.flatMap((p) => (p.measure ? [p.measure] : [])),
  };
}

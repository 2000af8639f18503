// A child the apiserver refuses to take (an admission webhook or policy, a quota, a field the API rejects)
// is the user's problem to see, not only the operator's log: the agent becomes Degraded with reason
// ApplyRefused and the apiserver's own message, the army's Degraded condition says so, and one Warning
// Event is recorded when the refusal is new. The army is looked at again a minute later (or at its next
// change), not retried in a tight loop.
import type { AgentArmyStatus } from '../../api/v1alpha1/index.js';
import { setCondition } from '../../kube/conditions.js';
import type { PlannedEvent } from '../../rollout/plan.js';
import { phaseFromConditions } from './decide.js';

export const APPLY_REFUSED = 'ApplyRefused';
export const APPLY_REFUSED_RECHECK_MS = 60_000;

export interface ApplyRefusal {
  agent: string;
  /** e.g. "Deployment support-orchestrator". */
  child: string;
  /** The apiserver's message (from its Status), cut short. */
  message: string;
}

/** The status with the refusals written in, and the Events that are new since `before`. */
export function withApplyRefusals(
  status: AgentArmyStatus,
  before: AgentArmyStatus | undefined,
  refusals: readonly ApplyRefusal[],
  now: Date,
): { status: AgentArmyStatus; events: PlannedEvent[] } {
  if (refusals.length === 0) return { status, events: [] };
  const byAgent = new Map<string, string>();
  for (const r of refusals) {
    const text = `${r.child} refused by the apiserver: ${r.message}`.slice(0, 900);
    byAgent.set(r.agent, byAgent.has(r.agent) ? `${byAgent.get(r.agent)}; ${text}`.slice(0, 1024) : text);
  }
  const agents = status.agents?.map((a) => {
    const message = byAgent.get(a.name);
    return message ? { ...a, phase: 'Degraded' as const, reason: APPLY_REFUSED, message } : a;
  });
  const summary = [...byAgent].map(([agent, m]) => `${agent}: ${m}`).join('; ');
  const conditions = setCondition(
    setCondition(
      status.conditions,
      { type: 'Degraded', status: 'True', reason: APPLY_REFUSED, message: summary.slice(0, 4000) },
      now.getTime(),
    ),
    { type: 'Ready', status: 'False', reason: APPLY_REFUSED, message: summary.slice(0, 4000) },
    now.getTime(),
  );
  const events = [...byAgent]
    .filter(([agent, m]) => before?.agents?.find((a) => a.name === agent)?.message !== m)
    .map(([agent, m]) => ({
      type: 'Warning' as const,
      reason: APPLY_REFUSED,
      message: `agent ${agent}: ${m}`,
    }));
  return {
    status: { ...status, ...(agents ? { agents } : {}), conditions, phase: phaseFromConditions(conditions) },
    events,
  };
}

import { describe, expect, it } from 'vitest';
import type { AgentArmyStatus } from '../../api/v1alpha1/index.js';
import { withApplyRefusals } from './apply-refusals.js';

const now = new Date('2026-12-02T10:00:00Z');
const status: AgentArmyStatus = {
  phase: 'Progressing',
  agents: [
    { name: 'orchestrator', phase: 'Progressing', readyReplicas: 0 },
    { name: 'researcher', phase: 'Ready', readyReplicas: 1 },
  ],
};
const refusal = {
  agent: 'orchestrator',
  child: 'Deployment support-orchestrator',
  message: 'spec.template.spec.containers[0].env[3].name: Invalid value: "1BAD"',
};

describe('withApplyRefusals', () => {
  it("makes the agent Degraded with the apiserver's message, the army Degraded, and one Warning", () => {
    const r = withApplyRefusals(status, undefined, [refusal], now);
    expect(r.status.agents?.[0]).toMatchObject({ phase: 'Degraded', reason: 'ApplyRefused' });
    expect(r.status.agents?.[0]?.message).toContain(
      'Deployment support-orchestrator refused by the apiserver: spec.template',
    );
    expect(r.status.agents?.[1]?.phase).toBe('Ready');
    expect(r.status.phase).toBe('Degraded');
    expect(r.status.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'ApplyRefused',
    });
    expect(r.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'ApplyRefused' })]);
  });

  it('records no second Event for the same refusal', () => {
    const first = withApplyRefusals(status, undefined, [refusal], now);
    expect(withApplyRefusals(status, first.status, [refusal], now).events).toEqual([]);
  });

  it('changes nothing without refusals', () => {
    expect(withApplyRefusals(status, undefined, [], now)).toEqual({ status, events: [] });
  });
});

import {
  Agent,
  type AgentStatus,
  AgentStatus as AgentStatusSchema,
  type ControlRequest,
} from '../../api/v1alpha1/index.js';
import { at, deployment, iso, run } from '../fixtures.test-util.js';
import { decideBlueGreen } from './decide.js';
import type { BlueGreenObserved, BlueGreenPlan } from './types.js';

export const agent = (version: string, blueGreen: Record<string, unknown> = {}) =>
  Agent.parse({ name: 'orchestrator', version, replicas: 3, strategy: { type: 'BlueGreen', blueGreen } });
export const steady = (over: Partial<AgentStatus> = {}): AgentStatus => ({
  name: 'orchestrator',
  phase: 'Ready',
  stableVersion: 'v1',
  readyReplicas: 3,
  activeColor: 'blue',
  previewColor: 'blue',
  colorVersions: { blue: 'v1' },
  ...over,
});
export const previewing = (over: Partial<AgentStatus> = {}) =>
  steady({
    phase: 'Progressing',
    previewColor: 'green',
    colorVersions: { blue: 'v1', green: 'v2' },
    analysisRuns: [],
    ...over,
  });
export const switched = (over: Partial<AgentStatus> = {}) =>
  steady({
    stableVersion: 'v2',
    activeColor: 'green',
    previewColor: 'green',
    colorVersions: { blue: 'v1', green: 'v2' },
    switchedAt: iso(0),
    scaleDownAt: iso(30),
    ...over,
  });
export const blue = deployment('v1', 3);
export const green = (ready = 3, replicas = 3) => deployment('v2', replicas, ready);
export const ctl = (action: ControlRequest['action'], agentName = 'orchestrator') => ({
  control: { id: 'r1', action, agent: agentName },
});
export const run1 = (phase: Parameters<typeof run>[0], ms: Parameters<typeof run>[1]) => ({
  ...run(phase, ms, -1),
  version: 'v2',
});

export function decide(over: Partial<BlueGreenObserved>, sec = 1): BlueGreenPlan {
  const plan = decideBlueGreen(
    { agent: agent('v2'), previous: steady(), totalReplicas: 3, deployments: { blue }, ...over },
    at(sec),
  );
  AgentStatusSchema.parse(plan.status);
  return plan;
}
export const summary = (p: BlueGreenPlan) => ({
  phase: p.status.phase,
  active: p.traffic.services.active,
  preview: p.traffic.services.preview,
  blue: p.traffic.colors.blue.replicas,
  green: p.traffic.colors.green.replicas,
  events: p.events.map((e) => e.reason),
});

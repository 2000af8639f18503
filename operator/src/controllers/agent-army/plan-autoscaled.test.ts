// Canary and BlueGreen agents with autoscaling: one HPA per agent, on the Deployment whose count it owns;
// every other Deployment of the agent gets its share of the HPA's current count.
import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { release } from '../../rollout/fixtures.test-util.js';
import { ANNOTATION } from '../../rollout/labels.js';
import { decide } from './decide.js';
import { army, liveDeployment, observed, version } from './fixtures.test-util.js';

const now = new Date('2026-11-23T10:00:00Z');
const v1 = version('orch-v1', '1.0.0');
const v11 = version('orch-v11', '1.1.0', { compatibleWith: '^1.0.0' });
const autoscaling = { minReplicas: 2, maxReplicas: 10, scaleDownStabilizationSeconds: 60 };
const named = (d: V1Deployment, name: string): V1Deployment => ({ ...d, metadata: { ...d.metadata, name } });

function planOf(
  agentSpec: Record<string, unknown>,
  status: Record<string, unknown>,
  deps: V1Deployment[],
  extra = {},
) {
  const plan = decide({ ...observed(army([agentSpec], status), [v1, v11], deps), ...extra }, now);
  const deployments = Object.fromEntries(
    (plan.desired.filter((o) => o.kind === 'Deployment') as V1Deployment[]).map((d) => [
      d.metadata?.name,
      d.spec?.replicas ?? 'hpa',
    ]),
  );
  const hpas = plan.desired.filter(
    (o) => o.kind === 'HorizontalPodAutoscaler',
  ) as V2HorizontalPodAutoscaler[];
  return { plan, deployments, hpas };
}

describe('Canary agent with autoscaling', () => {
  const agent = {
    name: 'orchestrator',
    version: 'orch-v11',
    autoscaling,
    strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orch' } } },
  };
  const status = { agents: [{ name: 'orchestrator', phase: 'Progressing', stableVersion: 'orch-v1' }] };
  const mid = (weight: number, spec = {}) => ({
    releases: new Map([
      [
        'orch',
        release(spec, {
          phase: 'Progressing',
          fromVersion: 'orch-v1',
          toVersion: 'orch-v11',
          canaryWeight: weight,
        }),
      ],
    ]),
  });

  it.each([
    ['replicas mode, HPA at 2, weight 20', 2, 20, {}, 1],
    ['replicas mode, HPA raised to 8, weight 20', 8, 20, {}, 2],
    ['replicas mode, HPA at 6, weight 50', 6, 50, {}, 6],
    ['gatewayAPI, HPA at 8, weight 25', 8, 25, { trafficRouting: { gatewayAPI: { httpRoute: 'r' } } }, 2],
  ])(
    '%s: the stable Deployment is left to the HPA, the canary gets its share',
    (_name, hpaCount, weight, spec, canary) => {
      const stable = liveDeployment('orch-v1', hpaCount, hpaCount);
      const { deployments, hpas } = planOf(agent, status, [stable], mid(weight, spec));
      expect(deployments).toEqual({ 'support-orchestrator': 'hpa', 'support-orchestrator-canary': canary });
      expect(hpas.map((h) => [h.metadata?.name, h.spec?.scaleTargetRef.name])).toEqual([
        ['support-orchestrator', 'support-orchestrator'],
      ]);
    },
  );

  it('marks the stable Deployment as HPA-owned and carries the behavior to the HPA', () => {
    const { plan, hpas } = planOf(agent, status, [liveDeployment('orch-v1', 2, 2)], mid(10));
    const stable = plan.desired.find(
      (o) => o.metadata?.name === 'support-orchestrator' && o.kind === 'Deployment',
    );
    expect(stable?.metadata?.annotations?.[ANNOTATION.replicasOwner]).toBe('hpa');
    expect(hpas[0]?.spec?.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(60);
    expect(hpas[0]?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
  });
});

describe('BlueGreen agent with autoscaling', () => {
  const agent = (v: string) => ({
    name: 'orchestrator',
    version: v,
    autoscaling,
    strategy: { type: 'BlueGreen', blueGreen: { scaleDownDelaySeconds: 30 } },
  });
  const st = (over: Record<string, unknown> = {}) => ({
    agents: [
      {
        name: 'orchestrator',
        phase: 'Ready',
        stableVersion: 'orch-v1',
        activeColor: 'blue',
        previewColor: 'blue',
        colorVersions: { blue: 'orch-v1' },
        ...over,
      },
    ],
  });
  const color = (c: string, av: string, n: number) =>
    named(liveDeployment(av, n, n), `support-orchestrator-${c}`);

  it('brings the preview up at the active color’s current (HPA) count and leaves the active one to the HPA', () => {
    const { deployments, hpas } = planOf(agent('orch-v11'), st(), [color('blue', 'orch-v1', 7)]);
    expect(deployments).toEqual({ 'support-orchestrator-blue': 'hpa', 'support-orchestrator-green': 7 });
    expect(hpas.map((h) => h.spec?.scaleTargetRef.name)).toEqual(['support-orchestrator-blue']);
  });

  it('moves the HPA to the new color at the switch and keeps the old one at the count it had', () => {
    const preview = st({ previewColor: 'green', colorVersions: { blue: 'orch-v1', green: 'orch-v11' } });
    const deps = [color('blue', 'orch-v1', 5), color('green', 'orch-v11', 5)];
    const { deployments, hpas } = planOf(agent('orch-v11'), preview, deps);
    expect(deployments).toEqual({ 'support-orchestrator-blue': 5, 'support-orchestrator-green': 'hpa' });
    expect(hpas.map((h) => h.spec?.scaleTargetRef.name)).toEqual(['support-orchestrator-green']);
  });
});

// Canary delivery end to end on the real control plane with a real Prometheus: the operator (AgentArmy,
// AgentVersion and CanaryRelease controllers in this process) starts a release when the army asks for a
// new version, splits pods by weight, measures the canary's error rate through PromQL, rolls a bad version
// back (weight 0 first, canary scaled to zero, stable untouched, Warning Event with the measured value) and
// promotes a good one through 10% → 50% → 100%.

import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentArmy, CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion } from '../army/fixtures.js';
import { applyManifest, eventually, getObject, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import {
  canaryArmy,
  canaryRelease,
  type DeliveryWorld,
  simulatedTrack,
  startDeliveryWorld,
  startOperatorInProcess,
} from '../support/delivery.js';

const ns = uniqueNamespace('canary');
let mgr: Manager | undefined;
let world: DeliveryWorld | undefined;

type Release = CanaryRelease;
type Army = AgentArmy;
type Deployment = V1Deployment;

const get = <T>(kind: string, name: string) => getObject<T>(ns, `${kind}/${name}`);
const apply = applyManifest;
const army = (version: string) => canaryArmy(ns, version);

/** Polls the release, recording every distinct weight it passes through. */
async function releaseUntil(
  what: string,
  pred: (r: Release) => boolean,
  weights: number[],
  timeoutMs = 90_000,
) {
  let last: Release | undefined;
  return eventually(
    what,
    async () => {
      const r = await get<Release>('canaryrelease', 'orchestrator');
      last = r;
      const w = r?.status?.canaryWeight;
      if (w !== undefined && weights.at(-1) !== w) weights.push(w);
      return r && pred(r) ? r : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  ).catch((err: unknown) => {
    throw new Error(
      `${String(err)}; weights seen ${weights.join(' → ')}; last status ${JSON.stringify(last?.status)}`,
    );
  });
}

beforeAll(async () => {
  const track = (version: string, t: string, error: number) => simulatedTrack(ns, version, t, error);
  // Prometheus scrapes what the runtime processes of each track would export.
  world = await startDeliveryWorld(
    ns,
    [track('1.0.0', 'stable', 0.01), track('1.1.0', 'canary', 0.3), track('1.2.0', 'canary', 0.01)],
    '15s',
  );
  const { prom } = world;
  await apply(agentVersion(ns, 'orch-v1', '1.0.0'));
  await apply(
    agentVersion(ns, 'orch-v11', '1.1.0', {
      model: { name: 'flaky-model', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
    }),
  );
  await apply(agentVersion(ns, 'orch-v12', '1.2.0'));
  await apply(
    canaryRelease(ns, {
      steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }, { analysis: {} }, { setWeight: 100 }],
      analysis: {
        provider: { prometheus: { address: prom.url, timeout: '5s' } },
        interval: '2s',
        count: 2,
        window: '15s',
        minSampleSize: 20,
        maxErrorRate: 0.05,
      },
      progressDeadlineSeconds: 60,
    }),
  );
  mgr = startOperatorInProcess([ns]);
}, 120_000);

afterAll(async () => {
  await mgr?.stop();
  await world?.close();
});

describe('canary release (real Prometheus)', () => {
  it('installs the first version directly on the stable track: no release, army Ready', async () => {
    await apply(army('orch-v1'));
    await eventually(
      'army Ready at orch-v1',
      async () => {
        const a = await get<Army>('agentarmy', 'support');
        return a?.status?.phase === 'Ready' && a.status.agents?.[0]?.stableVersion === 'orch-v1'
          ? a
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect((await get<Deployment>('deployment', 'support-orchestrator'))?.spec?.replicas).toBe(4);
    expect((await get<Release>('canaryrelease', 'orchestrator'))?.status?.phase ?? 'Idle').toBe('Idle');
  });

  it('rolls back a version whose canary fails 30% of requests: weight 0, canary scaled down, stable untouched', async () => {
    await apply(army('orch-v11'));
    const weights: number[] = [];
    await releaseUntil(
      'canary at 10% with a Ready canary pod',
      (r) => r.status?.canaryWeight === 10,
      weights,
    );
    const canary = await eventually('a canary Deployment at 1.1.0', async () => {
      const d = await get<Deployment>('deployment', 'support-orchestrator-canary');
      return d && (d.spec?.replicas ?? 0) >= 1 ? d : undefined;
    });
    expect(canary.metadata?.labels?.['agentarmy.dev/version']).toBe('1.1.0');

    const rolledBack = await releaseUntil('RolledBack', (r) => r.status?.phase === 'RolledBack', weights);
    expect(rolledBack.status?.canaryWeight).toBe(0);
    expect(weights).not.toContain(50);
    const failed = rolledBack.status?.analysisRuns?.at(-1);
    const errorRate = failed?.measurements.find((m) => m.metric === 'error-rate' && m.result === 'Fail');
    expect(errorRate?.value).toBeGreaterThan(0.25);
    expect(errorRate?.value).toBeLessThan(0.35);
    expect(rolledBack.status?.message).toMatch(/AnalysisFailed/);

    await eventually('canary scaled to zero', async () =>
      (await get<Deployment>('deployment', 'support-orchestrator-canary'))?.spec?.replicas === 0
        ? true
        : undefined,
    );
    const stable = (await get<Deployment>('deployment', 'support-orchestrator'))!;
    expect(stable.metadata?.labels?.['agentarmy.dev/version']).toBe('1.0.0');
    expect(stable.spec?.replicas).toBe(4);
    const events = JSON.parse(
      await kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'reason=RolledBack', '-o', 'json']),
    ) as { items: { type: string; message: string }[] };
    expect(events.items[0]?.type).toBe('Warning');
    expect(events.items[0]?.message).toMatch(/error-rate=0\.[23]\d*.*threshold <= 0\.05/);
    const a = await eventually('army Degraded RolledBack', async () => {
      const x = await get<Army>('agentarmy', 'support');
      return x?.status?.phase === 'Degraded' ? x : undefined;
    });
    expect(a.status?.agents?.[0]?.stableVersion).toBe('orch-v1');
  });

  it('promotes a healthy version through 10% → 50% → 100% and makes it stable', async () => {
    await apply(army('orch-v12'));
    const weights: number[] = [];
    const done = await releaseUntil(
      'Promoted',
      (r) => r.status?.phase === 'Promoted' && r.status.toVersion === 'orch-v12',
      weights,
      150_000,
    );
    expect(weights.filter((w) => w > 0)).toEqual([10, 50, 100]);
    expect(done.status?.canaryWeight).toBe(0);
    expect(done.status?.analysisRuns?.filter((r) => r.phase === 'Successful').length).toBeGreaterThanOrEqual(
      2,
    );
    const a = await eventually(
      'army Ready at orch-v12',
      async () => {
        const x = await get<Army>('agentarmy', 'support');
        return x?.status?.phase === 'Ready' && x.status.agents?.[0]?.stableVersion === 'orch-v12'
          ? x
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(a.status?.agents?.[0]?.phase).toBe('Ready');
    expect(
      (await get<Deployment>('deployment', 'support-orchestrator'))?.metadata?.labels?.[
        'agentarmy.dev/version'
      ],
    ).toBe('1.2.0');
    expect((await get<Deployment>('deployment', 'support-orchestrator-canary'))?.spec?.replicas ?? 0).toBe(0);
  });
});

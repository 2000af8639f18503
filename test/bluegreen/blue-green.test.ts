// Blue-green delivery end to end on the real control plane with a real Prometheus: the AgentArmy
// controller (in this process) brings a new version up on the other color behind the preview Service,
// analyses it through PromQL, switches the active Service's selector, keeps the old color for
// scaleDownDelaySeconds and then scales it to zero; a failing version never receives traffic; manual
// promote and abort arrive through the army's status subresource.

import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentArmy } from '../../operator/src/api/v1alpha1/index.js';
import { agentArmyController } from '../../operator/src/controllers/agent-army/controller.js';
import { agentVersionController } from '../../operator/src/controllers/agent-version/controller.js';
import { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion } from '../army/fixtures.js';
import { testConfig } from '../kube/support.js';
import { applyManifest, eventually, getObject, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import { type DeliveryWorld, simulatedTrack, startDeliveryWorld } from '../support/delivery.js';

const ns = uniqueNamespace('bluegreen');
let mgr: Manager | undefined;
let world: DeliveryWorld | undefined;

type Army = AgentArmy;
type Deployment = V1Deployment;
type Service = V1Service;

const TRACK = 'agentarmy.dev/track';
const get = <T>(kind: string, name: string) => getObject<T>(ns, `${kind}/${name}`);
const apply = applyManifest;
const agentOf = async () => (await get<Army>('agentarmy', 'support'))?.status?.agents?.[0];
const selects = async (name: string) => (await get<Service>('service', name))?.spec?.selector?.[TRACK];
const replicas = async (color: string) =>
  (await get<Deployment>('deployment', `support-orchestrator-${color}`))?.spec?.replicas;
let prometheusUrl = '';
const army = (version: string, blueGreen: Record<string, unknown> = {}) => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: { name: 'support', namespace: ns },
  spec: {
    agents: [
      {
        name: 'orchestrator',
        version,
        replicas: 2,
        strategy: {
          type: 'BlueGreen',
          blueGreen: {
            scaleDownDelaySeconds: 3,
            prePromotionAnalysis: {
              provider: { prometheus: { address: prometheusUrl, timeout: '5s' } },
              interval: '2s',
              count: 2,
              window: '15s',
              minSampleSize: 20,
              maxErrorRate: 0.05,
            },
            ...blueGreen,
          },
        },
      },
    ],
  },
});
const control = (id: string, action: string) =>
  kubectlOk([
    'patch',
    'agentarmy',
    'support',
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { control: { id, action, agent: 'orchestrator' } } }),
  ]);
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return eventually(what, check, { timeoutMs, intervalMs: 200 }).catch(async (err: unknown) => {
    throw new Error(`${String(err)}; agent status ${JSON.stringify(await agentOf())}`);
  });
}

beforeAll(async () => {
  const track = (version: string, t: string, error: number) => simulatedTrack(ns, version, t, error);
  // What each color's runtime pods would export: 1.1.0 (green) is healthy, 1.2.0 (blue) fails 30%.
  world = await startDeliveryWorld(
    ns,
    [track('1.0.0', 'blue', 0.01), track('1.1.0', 'green', 0.01), track('1.2.0', 'blue', 0.3)],
    '15s',
  );
  prometheusUrl = world.prom.url;
  for (const [name, v] of [
    ['orch-v1', '1.0.0'],
    ['orch-v2', '1.1.0'],
    ['orch-v3', '1.2.0'],
    ['orch-v4', '1.3.0'],
  ] as const)
    await apply(agentVersion(ns, name, v));
  mgr = new Manager({ config: testConfig(ns), serveHttp: false });
  for (const c of [agentArmyController, agentVersionController]) mgr.addController(c(mgr));
  void mgr.start();
}, 120_000);

afterAll(async () => {
  await mgr?.stop();
  await world?.close();
});

describe('blue-green (real Prometheus)', () => {
  it('installs the first version on blue behind both Services: army Ready', async () => {
    await apply(army('orch-v1'));
    const a = await until('army Ready at orch-v1', async () => {
      const x = await agentOf();
      return x?.phase === 'Ready' && x.stableVersion === 'orch-v1' ? x : undefined;
    });
    expect(a.activeColor).toBe('blue');
    expect(await selects('support-orchestrator')).toBe('blue');
    expect(await selects('support-orchestrator-preview')).toBe('blue');
    expect(await replicas('blue')).toBe(2);
    expect(await get('deployment', 'support-orchestrator-green')).toBeUndefined();
  });

  it('previews a healthy version on green, passes analysis, switches, then scales blue down after the delay', async () => {
    await apply(army('orch-v2'));
    await until('green preview up', async () =>
      (await selects('support-orchestrator-preview')) === 'green' ? true : undefined,
    );
    expect(await selects('support-orchestrator')).toBe('blue');
    await until('active Service on green', async () =>
      (await selects('support-orchestrator')) === 'green' ? true : undefined,
    );
    const a = (await agentOf())!;
    expect(a.stableVersion).toBe('orch-v2');
    const run = a.analysisRuns?.at(-1);
    expect(run?.phase).toBe('Successful');
    expect(run?.measurements.find((m) => m.metric === 'error-rate')?.value).toBeLessThan(0.05);
    // The old color is kept for scaleDownDelaySeconds (3 s) after the switch, then scaled to zero.
    expect(Date.parse(a.scaleDownAt ?? '') - Date.parse(a.switchedAt ?? '')).toBe(3000);
    expect(await replicas('blue')).toBe(2);
    await until(
      'blue scaled to zero',
      async () => ((await replicas('blue')) === 0 ? true : undefined),
      20_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(a.scaleDownAt ?? ''));
    expect(await replicas('green')).toBe(2);
    expect((await agentOf())?.phase).toBe('Ready');
  });

  it('keeps traffic on green when the new version fails analysis: Degraded RolledBack, blue scaled down', async () => {
    await apply(army('orch-v3'));
    await until('blue preview at 1.2.0', async () => {
      const d = await get<Deployment>('deployment', 'support-orchestrator-blue');
      return d?.metadata?.labels?.['agentarmy.dev/version'] === '1.2.0' && d.spec?.replicas === 2
        ? d
        : undefined;
    });
    const x = await until('army Degraded', async () => {
      const r = await get<Army>('agentarmy', 'support');
      return r?.status?.phase === 'Degraded' ? r : undefined;
    });
    const degraded = x.status?.conditions?.find((c) => c.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'RolledBack' });
    const failed = x.status?.agents?.[0]?.analysisRuns?.at(-1);
    expect(failed?.phase).toBe('Failed');
    expect(failed?.measurements.find((m) => m.result === 'Fail')?.value).toBeGreaterThan(0.25);
    expect(await selects('support-orchestrator')).toBe('green');
    expect(x.status?.agents?.[0]?.stableVersion).toBe('orch-v2');
    await until('blue scaled to zero', async () => ((await replicas('blue')) === 0 ? true : undefined));
    expect(await selects('support-orchestrator')).toBe('green');
  });

  it('with autoPromote false waits for a promote written to status.control, records lastControl', async () => {
    // A long delay here keeps green (the old color) running for the abort test that follows.
    const manual = { autoPromote: false, prePromotionAnalysis: undefined, scaleDownDelaySeconds: 120 };
    await apply(army('orch-v4', manual));
    await until('preview on blue Ready, waiting for promote', async () => {
      const a = await agentOf();
      return a?.previewColor === 'blue' && /waiting for promote/.test(a.message ?? '') ? a : undefined;
    });
    expect(await selects('support-orchestrator')).toBe('green');
    await control('promote-1', 'promote');
    await until('active Service on blue', async () =>
      (await selects('support-orchestrator')) === 'blue' ? true : undefined,
    );
    const x = (await get<Army>('agentarmy', 'support'))!;
    expect(x.status?.lastControl).toMatchObject({ id: 'promote-1', action: 'promote', outcome: 'Applied' });
    expect(x.status?.control?.id).toBe('promote-1');
    expect(x.status?.agents?.[0]?.stableVersion).toBe('orch-v4');
  });

  it('switches straight back on abort while the old color still runs', async () => {
    const before = await agentOf();
    expect(before).toMatchObject({ activeColor: 'blue', stableVersion: 'orch-v4' });
    expect(before?.scaleDownAt).toBeDefined();
    expect(await replicas('green')).toBe(2);
    await control('abort-1', 'abort');
    await until('active Service back on green', async () =>
      (await selects('support-orchestrator')) === 'green' ? true : undefined,
    );
    const x = (await get<Army>('agentarmy', 'support'))!;
    expect(x.status?.lastControl).toMatchObject({ id: 'abort-1', action: 'abort', outcome: 'Applied' });
    expect(x.status?.agents?.[0]).toMatchObject({ activeColor: 'green', stableVersion: 'orch-v2' });
    expect(x.status?.conditions?.find((c) => c.type === 'Degraded')?.reason).toBe('RolledBack');
    expect(await replicas('green')).toBe(2);
  });
});

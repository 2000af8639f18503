// Autoscaling a blue-green agent on the real control plane (KWOK nodes, the real HPA controller): the HPA
// scales the active color, the preview comes up at the active color's current count and follows it, the
// switch moves the HPA to the new color without resetting its count (the count is handed over to a second
// field manager, never dropped), and the old color goes to zero after scaleDownDelaySeconds.

import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentArmy } from '../../operator/src/api/v1alpha1/index.js';
import { agentArmyController } from '../../operator/src/controllers/agent-army/controller.js';
import { agentVersionController } from '../../operator/src/controllers/agent-version/controller.js';
import { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion, secret } from '../army/fixtures.js';
import { testConfig } from '../kube/support.js';
import {
  applyManifest,
  deleteNamespaces,
  eventually,
  getObject,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { deploymentWrites, replicasOwners } from './support.js';

const ns = uniqueNamespace('hpa-bluegreen');
let mgr: Manager | undefined;
const get = <T>(kind: string, name: string) => getObject<T>(ns, `${kind}/${name}`);
const count = async (color: string) =>
  (await get<V1Deployment>('deployment', `support-orchestrator-${color}`))?.spec?.replicas;
const hpaTarget = async () =>
  (await get<V2HorizontalPodAutoscaler>('hpa', 'support-orchestrator'))?.spec?.scaleTargetRef.name;
const agentOf = async () => (await get<AgentArmy>('agentarmy', 'support'))?.status?.agents?.[0];
const until = <T>(what: string, check: () => Promise<T | undefined>) =>
  eventually(what, check, { timeoutMs: 90_000, intervalMs: 250 });

const army = (version: string) => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: { name: 'support', namespace: ns },
  spec: {
    agents: [
      {
        name: 'orchestrator',
        version,
        autoscaling: { minReplicas: 2, maxReplicas: 12 },
        strategy: { type: 'BlueGreen', blueGreen: { autoPromote: false, scaleDownDelaySeconds: 5 } },
      },
    ],
  },
});

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', `${repoRoot}/crds`]);
  await kubectlOk(['create', 'namespace', ns]);
  await applyManifest(secret(ns));
  await applyManifest(agentVersion(ns, 'orch-v1', '1.0.0'));
  await applyManifest(agentVersion(ns, 'orch-v2', '1.1.0'));
  mgr = new Manager({ config: testConfig(ns), serveHttp: false });
  for (const c of [agentArmyController, agentVersionController]) mgr.addController(c(mgr));
  void mgr.start();
}, 120_000);

afterAll(async () => {
  await mgr?.stop();
  await deleteNamespaces([ns]);
});

describe('HPA on a blue-green agent (real HPA controller)', () => {
  it('puts the HPA on the active color (blue), which it scales from its minimum', async () => {
    await applyManifest(army('orch-v1'));
    await until('HPA on blue', async () =>
      (await hpaTarget()) === 'support-orchestrator-blue' ? true : undefined,
    );
    await until('blue at the HPA minimum (2)', async () => ((await count('blue')) === 2 ? true : undefined));
    await until('army Ready', async () => ((await agentOf())?.phase === 'Ready' ? true : undefined));
  });

  it('brings the preview up at the active count and follows the HPA before the switch', async () => {
    await kubectlOk(['scale', 'deployment', 'support-orchestrator-blue', '-n', ns, '--replicas=6']);
    await applyManifest(army('orch-v2'));
    await until('green preview at 6', async () => ((await count('green')) === 6 ? true : undefined));
    await kubectlOk(['scale', 'deployment', 'support-orchestrator-blue', '-n', ns, '--replicas=7']);
    await until('green preview at 7', async () => ((await count('green')) === 7 ? true : undefined));
    expect(await hpaTarget()).toBe('support-orchestrator-blue');
    expect(await replicasOwners(ns, 'support-orchestrator-blue')).not.toContain('agent-army');
    expect(await replicasOwners(ns, 'support-orchestrator-green')).toEqual(['agent-army']);
  });

  it('moves the HPA to green at the switch keeping its 7 pods, then scales blue to zero', async () => {
    await until('waiting for promote', async () =>
      /waiting for promote/.test((await agentOf())?.message ?? '') ? true : undefined,
    );
    const before = await deploymentWrites(mgr!);
    await kubectlOk([
      'patch',
      'agentarmy',
      'support',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { control: { id: 'p1', action: 'promote', agent: 'orchestrator' } } }),
    ]);
    await until('HPA on green', async () =>
      (await hpaTarget()) === 'support-orchestrator-green' ? true : undefined,
    );
    // Sampled while blue still runs: green never dropped below its count.
    const seen = new Set<number | undefined>();
    await until('blue scaled to zero', async () => {
      seen.add(await count('green'));
      return (await count('blue')) === 0 ? true : undefined;
    });
    expect([...seen]).toEqual([7]);
    const owners = await replicasOwners(ns, 'support-orchestrator-green');
    expect(owners).not.toContain('agent-army');
    expect(owners).toContain('agent-army-handover');
    // The HPA keeps green in its bounds from now on: raise nothing, let a sync pass, nothing moves.
    const settled = await deploymentWrites(mgr!);
    await new Promise((r) => setTimeout(r, 20_000));
    const windowWrites = (await deploymentWrites(mgr!)) - settled;
    console.log(
      `HPA blue-green: ${settled - before} operator Deployment writes for the switch and scale-down; ${windowWrites} in a 20 s window`,
    );
    expect(windowWrites).toBe(0);
    expect(await count('green')).toBe(7);
  }, 180_000);
});

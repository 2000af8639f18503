// Autoscaling during a canary, on the real control plane (KWOK nodes, the real HPA controller of
// kube-controller-manager): the agent's HPA scales the stable Deployment, the canary gets its weight's share
// of the stable count and follows it as the HPA moves, the operator never writes the stable count (server-side
// apply ownership read from managedFields), and it makes no Deployment write while nothing moves. Without a
// metrics server the HPA controller still enforces its bounds, so raising minReplicas is a deterministic HPA
// move; a scale through the /scale subresource stands for a metrics-driven one.

import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion, secret } from '../army/fixtures.js';
import {
  applyManifest,
  deleteNamespaces,
  eventually,
  getObject,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { canaryRelease, startOperatorInProcess } from '../support/delivery.js';
import { deploymentWrites, replicasOwners } from './support.js';

const ns = uniqueNamespace('hpa-canary');
let mgr: Manager | undefined;
const WEIGHT = 20;
const get = <T>(kind: string, name: string) => getObject<T>(ns, `${kind}/${name}`);
const dep = (name: string) => get<V1Deployment>('deployment', name);
const STABLE = 'support-orchestrator';
const CANARY = 'support-orchestrator-canary';

const army = (version: string, minReplicas: number) => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: { name: 'support', namespace: ns },
  spec: {
    agents: [
      {
        name: 'orchestrator',
        version,
        autoscaling: { minReplicas, maxReplicas: 12, scaleDownStabilizationSeconds: 600 },
        strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orchestrator' } } },
      },
    ],
  },
});

/** Waits until the stable Deployment runs `stable` pods and the canary its share; returns both. */
async function splitSettles(stable: number, canary: number) {
  return eventually(
    `stable ${stable}, canary ${canary}`,
    async () => {
      const [s, c] = [(await dep(STABLE))?.spec?.replicas, (await dep(CANARY))?.spec?.replicas];
      return s === stable && c === canary ? { s, c } : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
}

/** Waits for the release to satisfy `pred`; a timeout reports its last status and the army's. */
async function releaseWhere(what: string, pred: (r: CanaryRelease) => boolean) {
  let last: CanaryRelease | undefined;
  return eventually(
    `release ${what}`,
    async () => {
      last = await get<CanaryRelease>('canaryrelease', 'orchestrator');
      return last && pred(last) ? last : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  ).catch(async (err: unknown) => {
    const army = await get<{ status?: unknown }>('agentarmy', 'support');
    throw new Error(
      `${String(err)}; release ${JSON.stringify(last?.status)}; army ${JSON.stringify(army?.status)}`,
    );
  });
}

/** The canary's pods are within one of WEIGHT% of all the agent's pods. */
function withinOneReplica(stable: number, canary: number): number {
  return Math.abs(canary - ((stable + canary) * WEIGHT) / 100);
}

const generations = async () => [
  (await dep(STABLE))?.metadata?.generation,
  (await dep(CANARY))?.metadata?.generation,
];

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', `${repoRoot}/crds`]);
  await kubectlOk(['create', 'namespace', ns]);
  await applyManifest(secret(ns));
  await applyManifest(agentVersion(ns, 'orch-v1', '1.0.0'));
  await applyManifest(agentVersion(ns, 'orch-v11', '1.1.0'));
  await applyManifest(
    canaryRelease(ns, { steps: [{ setWeight: WEIGHT }, { pause: {} }, { setWeight: 50 }] }),
  );
  mgr = startOperatorInProcess([ns]);
}, 120_000);

afterAll(async () => {
  await mgr?.stop();
  await deleteNamespaces([ns]);
});

describe('HPA during a canary (real HPA controller)', () => {
  it('gives the stable Deployment an HPA that owns its count: created at the HPA minimum', async () => {
    await applyManifest(army('orch-v1', 2));
    const hpa = await eventually('HPA on the stable Deployment', () =>
      get<V2HorizontalPodAutoscaler>('hpa', STABLE),
    );
    expect(hpa.spec?.scaleTargetRef.name).toBe(STABLE);
    expect(hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(600);
    await eventually(
      'stable at 2 pods',
      async () => ((await dep(STABLE))?.spec?.replicas === 2 ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
  });

  it('splits the HPA count by the weight mid-release and follows the HPA as its floor rises', async () => {
    await applyManifest(army('orch-v11', 2));
    await releaseWhere(
      'paused at 20%',
      (r) => r.status?.phase === 'Paused' && r.status.canaryWeight === WEIGHT,
    );
    // 2 stable pods: 1 canary pod is the nearest share above 20% (1 of 3).
    let split = await splitSettles(2, 1);
    expect(withinOneReplica(split.s, split.c)).toBeLessThanOrEqual(1);

    const writesBefore = await deploymentWrites(mgr!);
    // Raise the HPA's floor in the army spec: the HPA controller scales stable to 8, the canary follows.
    await applyManifest(army('orch-v11', 8));
    split = await splitSettles(8, 2);
    expect(withinOneReplica(split.s, split.c)).toBeLessThanOrEqual(1);
    // The operator's apply never holds the stable count. (The apiserver records no owner at all for a
    // count the HPA changed through /scale when nobody owned it before, so the list may be empty.)
    expect(await replicasOwners(ns, STABLE)).not.toContain('agent-army');
    expect(await replicasOwners(ns, CANARY)).toEqual(['agent-army']);

    // A metrics-driven move, as the HPA controller makes it: through the scale subresource.
    await kubectlOk(['scale', 'deployment', STABLE, '-n', ns, '--replicas=11']);
    split = await splitSettles(11, 3);
    expect(withinOneReplica(split.s, split.c)).toBeLessThanOrEqual(1);
    const moveWrites = (await deploymentWrites(mgr!)) - writesBefore;

    // No ping-pong: over a window longer than the HPA's 15 s sync, no Deployment write by the operator and
    // no change of either Deployment's spec by anyone.
    const gen = await generations();
    const windowStart = await deploymentWrites(mgr!);
    await new Promise((r) => setTimeout(r, 35_000));
    const windowWrites = (await deploymentWrites(mgr!)) - windowStart;
    console.log(
      `HPA canary: ${moveWrites} operator Deployment writes for 2 HPA moves; ${windowWrites} in a 35 s window`,
    );
    expect(windowWrites).toBe(0);
    expect(await generations()).toEqual(gen);
    expect(moveWrites).toBeLessThanOrEqual(4);
    expect((await dep(STABLE))?.spec?.replicas).toBe(11);
  }, 240_000);

  it('promotes onto the stable Deployment at the HPA count and removes the canary pods', async () => {
    await kubectlOk([
      'patch',
      'canaryrelease',
      'orchestrator',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { control: { id: 'p1', action: 'promote' } } }),
    ]);
    await releaseWhere('Promoted', (r) => r.status?.phase === 'Promoted');
    const stable = (await dep(STABLE))!;
    expect(stable.metadata?.labels?.['agentarmy.dev/version']).toBe('1.1.0');
    expect(stable.spec?.replicas).toBe(11);
    expect((await dep(CANARY))?.spec?.replicas ?? 0).toBe(0);
    expect(await replicasOwners(ns, STABLE)).not.toContain('agent-army');
  }, 180_000);
});

// A controller on the runtime against the real API server: converges, reverts drift, recreates and prunes
// children, lets the garbage collector remove children of a deleted parent, and after a restart at steady
// state makes zero writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manager } from '../../operator/src/kube/manager.js';
import { countWrites } from '../../operator/src/observability/metrics.js';
import { eventually, kubectl, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import { type ConfigMap, MirrorReconciler, reconcileCount, testConfig } from './support.js';

const ns = uniqueNamespace('rt-ctrl');
let mgr: Manager | undefined;

async function getCm(name: string): Promise<ConfigMap | undefined> {
  const r = await kubectl(['get', 'configmap', name, '-n', ns, '-o', 'json', '--show-managed-fields']);
  return r.code === 0 ? (JSON.parse(r.stdout) as ConfigMap) : undefined;
}

async function childHas(name: string, value: string): Promise<ConfigMap | undefined> {
  const c = await getCm(name);
  return c?.data?.v === value ? c : undefined;
}

function startManager(): Manager {
  const m = new Manager({ config: testConfig(ns), serveHttp: false });
  new MirrorReconciler(m).register();
  void m.start();
  return m;
}

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  for (const p of ['p1', 'p2']) {
    await kubectlOk(['create', 'configmap', p, '-n', ns, '--from-literal=v=one']);
    await kubectlOk(['label', 'configmap', p, '-n', ns, 'role=parent']);
  }
});

afterAll(async () => {
  await mgr?.stop();
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('controller runtime (real API server)', () => {
  it('converges: every parent gets a child with its data and a controller owner reference', async () => {
    mgr = startManager();
    const child = await eventually('p1-child', () => childHas('p1-child', 'one'));
    await eventually('p2-child', () => childHas('p2-child', 'one'));
    const parent = (await getCm('p1'))!;
    expect(child.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'p1',
        uid: parent.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(
      child.metadata?.managedFields?.some((f) => (f as { manager?: string }).manager === 'agent-army'),
    ).toBe(true);
  });

  it('follows a parent change, reverts a hand edit and recreates a deleted child', async () => {
    await kubectlOk(['patch', 'configmap', 'p1', '-n', ns, '--type=merge', '-p', '{"data":{"v":"two"}}']);
    await eventually('child follows parent', () => childHas('p1-child', 'two'));
    await kubectlOk([
      'patch',
      'configmap',
      'p1-child',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"v":"hacked"}}',
    ]);
    await eventually('hand edit reverted', () => childHas('p1-child', 'two'));
    await kubectlOk(['delete', 'configmap', 'p2-child', '-n', ns]);
    await eventually('deleted child recreated', () => childHas('p2-child', 'one'));
  });

  it('prunes a child of the parent that the desired set does not contain', async () => {
    const parent = (await getCm('p1'))!;
    const stray = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'p1-stray',
        namespace: ns,
        labels: { role: 'child', parent: 'p1' },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'p1', uid: parent.metadata?.uid, controller: true },
        ],
      },
    };
    await kubectlOk(['create', '-f', '-'], { input: JSON.stringify(stray) });
    await eventually('stray pruned', async () => ((await getCm('p1-stray')) ? undefined : true));
    expect(await getCm('p1-child')).toBeDefined();
  });

  it('after a restart at steady state, reconciles every parent and makes zero writes', async () => {
    await mgr?.stop();
    mgr = startManager();
    await eventually('both parents reconciled', async () =>
      (await reconcileCount(mgr!)) >= 2 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await countWrites(mgr.metrics, { excludeKinds: ['Lease', 'Event'] })).toBe(0);
    expect(await countWrites(mgr.metrics)).toBe(0);
    const text = await mgr.metrics.registry.metrics();
    expect(text).toMatch(/controller_runtime_reconcile_total\{controller="mirror",result="success"\} [2-9]/);
  });

  it('a deleted parent takes its child with it (owner reference → garbage collection)', async () => {
    await kubectlOk(['delete', 'configmap', 'p2', '-n', ns]);
    await eventually('p2-child collected', async () => ((await getCm('p2-child')) ? undefined : true), {
      timeoutMs: 90_000,
    });
  });
});

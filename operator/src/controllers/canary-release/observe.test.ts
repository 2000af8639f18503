import { describe, expect, it } from 'vitest';
import type { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/resource.js';
import { Store } from '../../kube/store.js';
import { observeRelease, type ReleaseInformers } from './observe.js';
import { ROUTE_FINALIZER } from './route-handback.js';

const ns = 'team';
const release = (meta: Record<string, unknown> = {}): KubeObject & { spec: unknown } => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'CanaryRelease',
  metadata: { name: 'rel', namespace: ns, uid: 'u1', ...meta },
  spec: {
    targetRef: { army: 'support', agent: 'orchestrator' },
    trafficRouting: { gatewayAPI: { httpRoute: 'public' } },
    steps: [{ setWeight: 30 }],
  },
});
const army = (
  strategy: Record<string, unknown>,
  meta: Record<string, unknown> = {},
): KubeObject & { spec: unknown } => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: { name: 'support', namespace: ns, uid: 'u2', ...meta },
  spec: { agents: [{ name: 'orchestrator', version: 'v1', replicas: 2, strategy }] },
});
const canary = { type: 'Canary', canary: { canaryReleaseRef: { name: 'rel' } } };

function informers(objs: {
  releases?: KubeObject[];
  armies?: KubeObject[];
  versions?: KubeObject[];
}): ReleaseInformers {
  const inf = (items: KubeObject[] = []) => {
    const store = new Store<KubeObject>();
    for (const o of items) store.upsert(o);
    return { store } as unknown as Informer<KubeObject>;
  };
  return {
    releases: inf(objs.releases),
    armies: inf(objs.armies),
    versions: inf(objs.versions),
    deployments: inf(),
    pods: inf(),
    jobs: inf(),
  };
}

const deleted = { deletionTimestamp: '2026-12-02T00:00:00Z', finalizers: [ROUTE_FINALIZER] };
const observe = (objs: { releases?: KubeObject[]; armies?: KubeObject[]; versions?: KubeObject[] }) =>
  observeRelease(informers(objs), ns, 'rel');

describe('observeRelease: where the route goes when the release stops weighting it', () => {
  it('a deleted release without the route finalizer is gone (nothing to give back)', () => {
    const o = observe({ releases: [release({ deletionTimestamp: '2026-12-02T00:00:00Z' })] });
    expect(o.kind).toBe('gone');
  });

  it('a deleted release whose agent still runs: the route goes to the stable Service', () => {
    const o = observe({ releases: [release(deleted)], armies: [army(canary)] });
    expect(o).toMatchObject({ kind: 'deleting', to: 'stable' });
  });

  it('a deleted release whose army is gone: the operator rules leave the route', () => {
    const o = observe({ releases: [release(deleted)] });
    expect(o).toMatchObject({ kind: 'deleting', to: 'none' });
  });

  it.each([
    ['the army is gone', [], 'none'],
    ['the army is being deleted', [army(canary, { deletionTimestamp: '2026-12-02T00:00:00Z' })], 'none'],
    ['the agent uses another strategy', [army({ type: 'RollingUpdate' })], 'stable'],
    ['the army is invalid (children kept as they are)', [army({ type: 'Nope' })], undefined],
  ])('a live release whose target is unusable because %s: handback %s', (_why, armies, handback) => {
    const o = observe({ releases: [release()], armies });
    expect(o.kind).toBe('noTarget');
    expect(o.kind === 'noTarget' ? o.handback : 'n/a').toBe(handback);
  });

  it('a live release whose army runs it weights the route as usual', () => {
    expect(observe({ releases: [release()], armies: [army(canary)] }).kind).toBe('ok');
  });

  it('knows whether the version a release starts now has a judge, before the status names it (evaluation)', () => {
    const av = (name: string, version: string, judge?: Record<string, unknown>) => ({
      apiVersion: 'agentarmy.dev/v1alpha1',
      kind: 'AgentVersion',
      metadata: { name, namespace: ns },
      spec: {
        agent: 'orchestrator',
        version,
        image: 'example.invalid/agent-runtime:1',
        model: { name: 'm', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
        systemPrompt: 'p',
        ...(judge ? { judge } : {}),
      },
    });
    const o = observe({
      releases: [release()],
      armies: [army(canary)],
      versions: [av('v1', '1.0.0', { model: 'judge', rubric: 'r' })],
    });
    expect(o.kind === 'ok' ? o.obs.judged : undefined).toEqual({ v1: true });
    const none = observe({ releases: [release()], armies: [army(canary)], versions: [av('v1', '1.0.0')] });
    expect(none.kind === 'ok' ? none.obs.judged : undefined).toEqual({ v1: false });
  });
});

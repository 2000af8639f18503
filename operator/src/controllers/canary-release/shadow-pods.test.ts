import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CanaryRelease } from '../../api/v1alpha1/index.js';
import { ANNOTATION } from '../../rollout/labels.js';
import { refuseMirror } from './refusals.js';
import { shadowPodPlan, tellPods } from './shadow-pods.js';

const pod = (name: string, traffic?: string, deleting = false): V1Pod => ({
  metadata: {
    name,
    namespace: 'team',
    ...(traffic ? { annotations: { [ANNOTATION.traffic]: traffic } } : {}),
    ...(deleting ? { deletionTimestamp: new Date() } : {}),
  },
});
const names = (pods: V1Pod[]) => pods.map((p) => p.metadata?.name);

describe('shadowPodPlan: which canary pods to tell, and whether the route may follow', () => {
  it.each<[string, V1Pod[], 'shadow' | 'live', string[], boolean]>([
    [
      'new pods start without the annotation: all told shadow',
      [pod('a'), pod('b')],
      'shadow',
      ['a', 'b'],
      false,
    ],
    ['one pod told, one not yet', [pod('a', 'shadow'), pod('b')], 'shadow', ['b'], false],
    [
      'every pod shadow: the mirror may be written',
      [pod('a', 'shadow'), pod('b', 'shadow')],
      'shadow',
      [],
      true,
    ],
    ['no pod yet: nothing to mirror to', [], 'shadow', [], false],
    [
      'a pod being deleted is left alone',
      [pod('a', 'shadow'), pod('b', undefined, true)],
      'shadow',
      [],
      true,
    ],
    [
      'after the step, shadow pods are told live',
      [pod('a', 'shadow'), pod('b', 'live')],
      'live',
      ['a'],
      false,
    ],
    ['pods that never were shadow are not written', [pod('a'), pod('b', 'live')], 'live', [], true],
  ])('%s', (_, pods, want, patch, agreed) => {
    const plan = shadowPodPlan(pods, want);
    expect(names(plan.patch)).toEqual(patch);
    expect(plan.agreed).toBe(agreed);
  });

  it('tellPods merge-patches the annotation on each pod and skips a pod gone meanwhile', async () => {
    const calls: { path: string; body: unknown }[] = [];
    const client = {
      request: async (o: { path: string; body?: unknown }) => {
        calls.push({ path: o.path, body: o.body });
        return undefined;
      },
    };
    expect(await tellPods(client as never, [pod('a'), pod('b')], 'shadow')).toBe(2);
    expect(calls).toEqual([
      {
        path: '/api/v1/namespaces/team/pods/a',
        body: { metadata: { annotations: { [ANNOTATION.traffic]: 'shadow' } } },
      },
      {
        path: '/api/v1/namespaces/team/pods/b',
        body: { metadata: { annotations: { [ANNOTATION.traffic]: 'shadow' } } },
      },
    ]);
  });
});

describe('refuseMirror', () => {
  const rel = (trafficRouting: Record<string, unknown>) =>
    CanaryRelease.parse({
      apiVersion: 'agentarmy.dev/v1alpha1',
      kind: 'CanaryRelease',
      metadata: { name: 'orch', namespace: 'team' },
      spec: {
        targetRef: { army: 'support', agent: 'orchestrator' },
        steps: [{ setWeight: 0 }, { mirror: { percent: 20, duration: '10m' } }, { setWeight: 100 }],
        trafficRouting,
      },
    });
  it('refuses a mirror step with the replica ratio router, naming the step field and the fix', () => {
    expect(refuseMirror(rel({}))).toMatch(/^spec\.steps\[1\]\.mirror: .*spec\.trafficRouting\.gatewayAPI/);
  });
  it('accepts it with an HTTPRoute', () => {
    expect(refuseMirror(rel({ gatewayAPI: { httpRoute: 'orch' } }))).toBeUndefined();
  });
});

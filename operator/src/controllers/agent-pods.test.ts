import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/resource.js';
import { podHealthChanged, slimPod } from './agent-pods.js';

const fullPod = (status: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'support-orchestrator-abc',
      namespace: 'team',
      uid: 'u1',
      resourceVersion: '7',
      labels: { 'agentarmy.dev/army': 'support' },
      annotations: { 'agentarmy.dev/agent-version': 'orch-v1', 'prometheus.io/scrape': 'true' },
      managedFields: [{ manager: 'kubelet' }],
      ...extra,
    },
    spec: { containers: [{ name: 'agent', image: 'x', env: [{ name: 'A', value: 'b' }] }] },
    status: {
      phase: 'Pending',
      podIP: '10.244.0.7',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False' },
      ],
      ...status,
    },
  }) as unknown as KubeObject;

const container = (cs: Record<string, unknown>) => ({
  containerStatuses: [{ name: 'agent', image: 'img', imageID: 'sha', ready: false, restartCount: 0, ...cs }],
});

describe('slimPod', () => {
  it('keeps identity, labels, the version annotation, scheduling and container states; drops spec and the rest', () => {
    const slim = slimPod(
      fullPod(container({ state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off' } } })),
    ) as unknown as Record<string, unknown>;
    expect(slim).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'support-orchestrator-abc',
        namespace: 'team',
        uid: 'u1',
        resourceVersion: '7',
        labels: { 'agentarmy.dev/army': 'support' },
        annotations: { 'agentarmy.dev/agent-version': 'orch-v1' },
      },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: [
          {
            name: 'agent',
            ready: false,
            restartCount: 0,
            image: '',
            imageID: '',
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off' } },
          },
        ],
      },
    });
  });
});

describe('podHealthChanged', () => {
  it.each([
    [
      'a container starts waiting in a back-off',
      container({}),
      container({ state: { waiting: { reason: 'ImagePullBackOff' } } }),
      true,
    ],
    ['a container becomes ready', container({}), container({ ready: true }), true],
    [
      'restarts reach the crash threshold',
      container({ restartCount: 2 }),
      container({ restartCount: 3 }),
      true,
    ],
    ['restarts grow past it', container({ restartCount: 4 }), container({ restartCount: 5 }), false],
    [
      'only the back-off message changes',
      container({ state: { waiting: { reason: 'CrashLoopBackOff', message: '10s' } } }),
      container({ state: { waiting: { reason: 'CrashLoopBackOff', message: '20s' } } }),
      false,
    ],
    ['only the pod IP changes', { podIP: '1' }, { podIP: '2' }, false],
  ])('%s → %s', (_what, before, after, changed) => {
    expect(podHealthChanged(fullPod(before), fullPod(after))).toBe(changed);
  });

  it('wakes the owner when the pod starts terminating', () => {
    expect(podHealthChanged(fullPod({}), fullPod({}, { deletionTimestamp: '2026-12-02T10:00:00Z' }))).toBe(
      true,
    );
  });
});

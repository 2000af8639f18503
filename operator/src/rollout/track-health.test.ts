import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { deployment } from './fixtures.test-util.js';
import { ANNOTATION } from './labels.js';
import {
  crashLoop,
  MAX_TROUBLE_MESSAGE,
  podTrouble,
  progressDeadlineExceeded,
  trackReady,
} from './track-health.js';

const pod = (
  version: string,
  cs: Partial<NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number]>,
): V1Pod => ({
  metadata: { name: `p-${version}`, annotations: { [ANNOTATION.agentVersion]: version } },
  status: {
    containerStatuses: [{ name: 'agent', image: 'i', imageID: '', ready: false, restartCount: 0, ...cs }],
  },
});

describe('trackReady', () => {
  it.each([
    ['all pods of the version Ready at the wanted count', deployment('v2', 3), 'v2', 3, true],
    ['another replica count (the weight just changed)', deployment('v2', 3), 'v2', 5, false],
    ['pods still starting', deployment('v2', 3, 1), 'v2', 3, false],
    ['another version', deployment('v1', 3), 'v2', 3, false],
    ['no Deployment', undefined, 'v2', 0, false],
    ['zero pods wanted and zero running', deployment('v2', 0), 'v2', 0, true],
  ])('%s → %s', (_what, dep, version, replicas, want) => {
    expect(trackReady(dep, version, replicas)).toBe(want);
  });
});

describe('crashLoop', () => {
  it.each([
    [
      'a container in CrashLoopBackOff',
      [pod('v2', { state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 1 })],
      true,
    ],
    ['a not-ready container restarted 3 times', [pod('v2', { restartCount: 3 })], true],
    ['a ready container with old restarts', [pod('v2', { restartCount: 5, ready: true })], false],
    [
      'a crash-looping pod of another version',
      [pod('v1', { state: { waiting: { reason: 'CrashLoopBackOff' } } })],
      false,
    ],
    ['no pods', [], false],
  ])('%s → %s', (_what, pods, want) => {
    expect(crashLoop(pods, 'v2').crashLooping).toBe(want);
  });

  it('names the pod, container and restarts', () => {
    const r = crashLoop(
      [pod('v2', { state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 4 })],
      'v2',
    );
    expect(r.message).toBe('pod p-v2 container agent: CrashLoopBackOff (restarts 4)');
  });
});

describe('progressDeadlineExceeded', () => {
  const stuck = (version: string, reason: string) => ({
    ...deployment(version, 3, 0),
    status: { conditions: [{ type: 'Progressing', status: 'False', reason }] },
  });
  it.each([
    [stuck('v2', 'ProgressDeadlineExceeded'), true],
    [stuck('v2', 'NewReplicaSetAvailable'), false],
    [stuck('v1', 'ProgressDeadlineExceeded'), false],
    [undefined, false],
  ])('%#: %s', (dep, want) => {
    expect(progressDeadlineExceeded(dep, 'v2')).toBe(want);
  });
});

describe('podTrouble', () => {
  const waiting = (reason: string, message: string) => ({ state: { waiting: { reason, message } } });
  it.each([
    [
      'a runAsNonRoot check the kubelet cannot verify',
      pod(
        'v2',
        waiting(
          'CreateContainerConfigError',
          'container has runAsNonRoot and image has non-numeric user (node), cannot verify user is non-root',
        ),
      ),
      'CreateContainerConfigError',
      'pod p-v2 container agent: CreateContainerConfigError: container has runAsNonRoot and image has non-numeric user (node), cannot verify user is non-root',
    ],
    [
      'an image that cannot be pulled',
      pod('v2', waiting('ImagePullBackOff', 'Back-off pulling image "nope:1"')),
      'ImagePullBackOff',
      'pod p-v2 container agent: ImagePullBackOff: Back-off pulling image "nope:1"',
    ],
    [
      'a crash loop, quoting the last exit and the end of the log',
      pod('v2', {
        ...waiting('CrashLoopBackOff', 'back-off 40s restarting failed container'),
        restartCount: 4,
        lastState: {
          terminated: { exitCode: 1, reason: 'Error', message: 'invalid configuration: MODEL_NAME' },
        },
      }),
      'CrashLoopBackOff',
      'pod p-v2 container agent: CrashLoopBackOff: exit code 1 (Error), 4 restarts: invalid configuration: MODEL_NAME',
    ],
    [
      'restarts past the threshold before the back-off shows',
      pod('v2', { restartCount: 3, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }),
      'CrashLoopBackOff',
      'pod p-v2 container agent: CrashLoopBackOff: exit code 137 (OOMKilled), 3 restarts',
    ],
  ])('reports %s', (_what, p, reason, message) => {
    expect(podTrouble([p])).toEqual({ reason, message });
  });

  it.each([
    ['a container still being created', pod('v2', waiting('ContainerCreating', ''))],
    ['a running, ready container', pod('v2', { ready: true, state: { running: {} } })],
    ['a pod of another version', pod('v1', waiting('ImagePullBackOff', 'x'))],
    [
      'a pod being deleted',
      {
        ...pod('v2', waiting('ImagePullBackOff', 'x')),
        metadata: { name: 'gone', deletionTimestamp: new Date() },
      },
    ],
  ])('reports nothing for %s', (_what, p) => {
    expect(podTrouble([p], 'v2')).toBeUndefined();
  });

  it('reports an unschedulable pod with the scheduler message', () => {
    const p: V1Pod = {
      metadata: { name: 'p' },
      status: {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available',
          },
        ],
      },
    };
    expect(podTrouble([p])).toEqual({
      reason: 'Unschedulable',
      message: 'pod p: Unschedulable: 0/3 nodes are available',
    });
  });

  it('answers the same pod whatever the order of the cache (stable status, no write churn)', () => {
    const a = { ...pod('v2', waiting('ImagePullBackOff', 'a')), metadata: { name: 'a' } };
    const b = { ...pod('v2', waiting('ErrImagePull', 'b')), metadata: { name: 'b' } };
    expect(podTrouble([b, a])?.reason).toBe('ImagePullBackOff');
    expect(podTrouble([a, b])?.reason).toBe('ImagePullBackOff');
  });

  it('cuts a long kubelet message', () => {
    const t = podTrouble([pod('v2', waiting('ErrImagePull', 'x'.repeat(5000)))]);
    expect(t?.message.length).toBe(MAX_TROUBLE_MESSAGE);
  });
});

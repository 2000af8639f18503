import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ANNOTATION } from '../controllers/agent-army/labels.js';
import { deployment } from './fixtures.test-util.js';
import { crashLoop, progressDeadlineExceeded, trackReady } from './track-health.js';

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

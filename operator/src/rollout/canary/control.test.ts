import { describe, expect, it } from 'vitest';
import { CanaryReleaseStatus, type ControlAction } from '../../api/v1alpha1/index.js';
import {
  at,
  deployment,
  iso,
  measurement,
  midRelease,
  observed,
  release,
  run,
} from '../fixtures.test-util.js';
import { decideCanary } from './decide.js';
import type { CanaryObserved } from './types.js';

const control = (action: ControlAction, id = 'req-1') => ({ control: { id, action, requestedBy: 'alice' } });
const canary5 = { canary: { deployment: deployment('v2', 5), crashLooping: false } };
const paused = (pauseReason: CanaryReleaseStatus['pauseReason'], i = 3) =>
  midRelease(i, { phase: 'Paused', pauseReason, pausedAt: iso(0), canaryWeight: 50 });
const rolledBack = {
  ...midRelease(1),
  phase: 'RolledBack' as const,
  rolledBackVersion: 'v2',
  canaryWeight: 0,
};
const inconclusiveRun = run('Inconclusive', [measurement('Inconclusive', undefined, 10)], 1);

function decideWith(status: Partial<CanaryReleaseStatus>, obs: Partial<CanaryObserved> = canary5, spec = {}) {
  const p = decideCanary(observed(release(spec, status), obs), at(10));
  CanaryReleaseStatus.parse(p.status);
  return p;
}

describe('decideCanary: manual control through status.control', () => {
  it.each<
    [
      string,
      Partial<CanaryReleaseStatus>,
      string,
      { phase: string; step?: number; weight: number; outcome: string },
    ]
  >([
    [
      'promote finishes a timed pause early',
      { ...midRelease(3, { canaryWeight: 50 }), ...control('promote') },
      'next step',
      { phase: 'Progressing', step: 4, weight: 100, outcome: 'Applied' },
    ],
    [
      'promote ends an untimed pause',
      { ...paused('Step'), ...control('promote') },
      'next step',
      { phase: 'Progressing', step: 4, weight: 100, outcome: 'Applied' },
    ],
    [
      'promote overrides an Inconclusive pause (5 canary pods already meet 50%)',
      {
        ...paused('Inconclusive', 1),
        analysisRuns: [inconclusiveRun],
        canaryWeight: 10,
        ...control('promote'),
      },
      'next steps',
      { phase: 'Progressing', step: 3, weight: 50, outcome: 'Applied' },
    ],
    [
      'promoteFull skips to the promotion',
      { ...midRelease(1), ...control('promoteFull') },
      'promotion',
      { phase: 'Progressing', step: 5, weight: 10, outcome: 'Applied' },
    ],
    [
      'abort rolls back',
      { ...midRelease(3, { canaryWeight: 50 }), ...control('abort') },
      'rollback',
      { phase: 'RolledBack', step: 3, weight: 0, outcome: 'Applied' },
    ],
    [
      'pause holds the current step',
      { ...midRelease(3, { canaryWeight: 50 }), ...control('pause') },
      'pause',
      { phase: 'Paused', step: 3, weight: 50, outcome: 'Applied' },
    ],
    [
      'pause of a paused release is ignored',
      { ...paused('Step'), ...control('pause') },
      'nothing',
      { phase: 'Paused', step: 3, weight: 50, outcome: 'Ignored' },
    ],
    [
      'pause during the promotion is rejected',
      { ...midRelease(5, { canaryWeight: 100 }), ...control('pause') },
      'nothing',
      { phase: 'Progressing', step: 5, weight: 100, outcome: 'Rejected' },
    ],
    [
      'resume continues a manual pause at the same step',
      { ...paused('Manual'), ...control('resume') },
      'same step',
      { phase: 'Progressing', step: 3, weight: 50, outcome: 'Applied' },
    ],
    [
      'resume of a step pause moves on',
      { ...paused('Step'), ...control('resume') },
      'next step',
      { phase: 'Progressing', step: 4, weight: 100, outcome: 'Applied' },
    ],
    [
      'resume after Inconclusive analyses again',
      {
        ...paused('Inconclusive', 1),
        analysisRuns: [inconclusiveRun],
        canaryWeight: 10,
        ...control('resume'),
      },
      'new run',
      { phase: 'Progressing', step: 1, weight: 10, outcome: 'Applied' },
    ],
    [
      'resume of a running release is ignored',
      { ...midRelease(3, { canaryWeight: 50 }), ...control('resume') },
      'nothing',
      { phase: 'Progressing', step: 3, weight: 50, outcome: 'Ignored' },
    ],
    [
      'retry restarts a rolled-back release',
      { ...rolledBack, ...control('retry') },
      'restart',
      { phase: 'Progressing', step: 0, weight: 10, outcome: 'Applied' },
    ],
    [
      'retry of a running release is ignored',
      { ...midRelease(3, { canaryWeight: 50 }), ...control('retry') },
      'nothing',
      { phase: 'Progressing', step: 3, weight: 50, outcome: 'Ignored' },
    ],
    [
      'promote without a release is ignored',
      { phase: 'Promoted', fromVersion: 'v0', toVersion: 'v2', canaryWeight: 0, ...control('promote') },
      'nothing',
      { phase: 'Promoted', weight: 0, outcome: 'Ignored' },
    ],
  ])('%s (%s)', (_what, status, _effect, want) => {
    const p = decideWith(status);
    expect(p.status.lastControl).toMatchObject({
      id: 'req-1',
      action: status.control?.action,
      outcome: want.outcome,
      handledAt: iso(10),
    });
    expect({
      phase: p.status.phase,
      weight: p.status.canaryWeight,
      outcome: p.status.lastControl?.outcome,
    }).toEqual({
      phase: want.phase,
      weight: want.weight,
      outcome: want.outcome,
    });
    if (want.step !== undefined) expect(p.status.currentStepIndex).toBe(want.step);
    expect(p.events[0]?.reason).toBe(`Control${want.outcome}`);
    expect(p.events[0]?.message).toContain('by alice');
  });

  it('handles a request id once: the same request again changes nothing', () => {
    const first = decideWith({ ...midRelease(3, { canaryWeight: 50 }), ...control('promote') });
    const again = decideCanary(observed(release({}, first.status), canary5), at(10));
    expect(again.events).toEqual([]);
    expect(again.status).toEqual(first.status);
    const next = decideCanary(
      observed(release({}, { ...first.status, ...control('abort', 'req-2') }), canary5),
      at(41),
    );
    expect(next.status.phase).toBe('RolledBack');
    expect(next.status.lastControl?.id).toBe('req-2');
  });

  it('resume after Inconclusive appends a fresh run instead of reusing the inconclusive one', () => {
    const p = decideWith(
      {
        ...paused('Inconclusive', 1),
        analysisRuns: [inconclusiveRun],
        canaryWeight: 10,
        ...control('resume'),
      },
      {
        canary: { deployment: deployment('v2', 1), crashLooping: false },
      },
    );
    expect(p.status.analysisRuns?.map((r) => [r.phase, r.startedAt])).toEqual([
      ['Inconclusive', iso(0)],
      ['Running', iso(10)],
    ]);
    expect(p.status.pauseReason).toBeUndefined();
  });

  it('retry is ignored when the army asks for the stable version again', () => {
    const p = decideWith({ ...rolledBack, ...control('retry') }, { ...canary5, desiredVersion: 'v1' });
    expect(p.status.lastControl).toMatchObject({
      outcome: 'Ignored',
      message: 'the army asks for the stable version v1',
    });
    expect(p.status.phase).toBe('RolledBack');
  });
});

// Restart safety: all progress is in status, so deciding again on a plan's own status with the same
// observation and clock must change nothing: no transition, no event, no weight change.
import { describe, expect, it } from 'vitest';
import type { CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
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

const canary = (replicas: number, ready = replicas, crashLooping = false) => ({
  canary: { deployment: deployment('v2', replicas, ready), crashLooping },
});
const ctl = (action: NonNullable<CanaryReleaseStatus['control']>['action']) => ({
  control: { id: 'c1', action },
});
const analysing = (r = run('Running', [])) => midRelease(1, { analysisRuns: [r] });

describe('decideCanary is idempotent on its own output', () => {
  it.each<
    [
      string,
      Partial<CanaryReleaseStatus> | undefined,
      Partial<CanaryObserved>,
      number,
      Record<string, unknown>?,
    ]
  >([
    ['release start', undefined, {}, 0],
    ['no release (desired = stable)', undefined, { desiredVersion: 'v1' }, 0],
    ['setWeight waiting for pods', midRelease(0), canary(1, 0), 5],
    ['setWeight done → analysis started', midRelease(0), canary(1), 5],
    ['analysis due → measure requested', analysing(), canary(1), 10],
    [
      'analysis Successful → next weight',
      analysing(),
      { ...canary(1), analysis: run('Successful', [measurement('Pass', 0, 10)]) },
      10,
    ],
    [
      'analysis Failed → rollback',
      analysing(),
      { ...canary(1), analysis: run('Failed', [measurement('Fail', 0.3, 10)]) },
      10,
    ],
    [
      'analysis Inconclusive → pause',
      analysing(),
      { ...canary(1), analysis: run('Inconclusive', [measurement('Inconclusive', undefined, 10)]) },
      10,
    ],
    [
      'analysis Error → rollback',
      analysing(),
      { ...canary(1), analysis: run('Error', [measurement('Error', undefined, 10)]) },
      10,
    ],
    ['timed pause running', midRelease(3, { canaryWeight: 50 }), canary(5), 10],
    ['timed pause over → weight 100', midRelease(3, { canaryWeight: 50 }), canary(5), 30],
    ['untimed pause → Paused', midRelease(0), canary(1), 1, { steps: [{ setWeight: 10 }, { pause: {} }] }],
    ['progress deadline → rollback', midRelease(0), canary(1, 0), 600],
    [
      'progress deadline, rollback off → pause',
      midRelease(0),
      canary(1, 0),
      600,
      { rollbackOn: { progressDeadline: false } },
    ],
    ['crash loop → rollback', midRelease(0), canary(1, 0, true), 1],
    [
      'crash loop, rollback off → pause',
      midRelease(0),
      canary(1, 0, true),
      1,
      { rollbackOn: { podCrashLoop: false } },
    ],
    ['promotion waiting for stable', midRelease(4, { canaryWeight: 100 }), canary(10), 1],
    [
      'promotion done',
      midRelease(4, { canaryWeight: 100 }),
      { ...canary(10), stable: { deployment: deployment('v2', 10) } },
      1,
    ],
    ['supersede by v3', midRelease(3, { canaryWeight: 50 }), { ...canary(5), desiredVersion: 'v3' }, 1],
    ['cancel (back to v1)', midRelease(3, { canaryWeight: 50 }), { ...canary(5), desiredVersion: 'v1' }, 1],
    ['control promote', { ...midRelease(3, { canaryWeight: 50 }), ...ctl('promote') }, canary(5), 1],
    ['control promoteFull', { ...midRelease(1), ...ctl('promoteFull') }, canary(1), 1],
    ['control abort', { ...midRelease(3, { canaryWeight: 50 }), ...ctl('abort') }, canary(5), 1],
    ['control pause', { ...midRelease(3, { canaryWeight: 50 }), ...ctl('pause') }, canary(5), 1],
    [
      'control resume',
      { ...midRelease(3, { phase: 'Paused', pauseReason: 'Manual', canaryWeight: 50 }), ...ctl('resume') },
      canary(5),
      1,
    ],
    [
      'control retry',
      {
        ...midRelease(1, { phase: 'RolledBack', rolledBackVersion: 'v2', canaryWeight: 0 }),
        ...ctl('retry'),
      },
      canary(0),
      1,
    ],
    [
      'rolled back, steady',
      {
        ...midRelease(1, {
          phase: 'RolledBack',
          rolledBackVersion: 'v2',
          canaryWeight: 0,
          finishedAt: iso(0),
        }),
      },
      canary(0),
      1,
    ],
  ])('%s', (_what, status, obs, sec, spec = {}) => {
    const first = decideCanary(observed(release(spec, status), obs), at(sec));
    const again = decideCanary(observed(release(spec, first.status), obs), at(sec));
    expect(again.events).toEqual([]);
    expect(again.status).toEqual(first.status);
    expect(again.traffic).toEqual(first.traffic);
    expect(again.measurement !== undefined).toBe(first.measurement !== undefined);
    // And a later pass with nothing new keeps the weight where it is.
    const later = decideCanary(observed(release(spec, first.status), obs), at(sec + 1));
    expect(later.traffic.weight).toBe(first.traffic.weight);
  });
});

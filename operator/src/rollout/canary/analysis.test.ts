import { describe, expect, it } from 'vitest';
import { type AnalysisRunStatus, CanaryReleaseStatus, type Condition } from '../../api/v1alpha1/index.js';
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
import type { CanaryObserved, CanaryPlan } from './types.js';

const ready1 = { deployment: deployment('v2', 1), crashLooping: false };
const reasons = (p: CanaryPlan) => p.events.map((e) => e.reason);
const cond = (p: CanaryPlan, type: string) => p.status.conditions?.find((c) => c.type === type);

/** Decides at step 1 (analysis) of STEPS with `stored` in status and `incoming` from the engine. */
function atAnalysis(
  incoming: AnalysisRunStatus | undefined,
  opts: {
    sec?: number;
    spec?: Record<string, unknown>;
    obs?: Partial<CanaryObserved>;
    stored?: AnalysisRunStatus;
  } = {},
) {
  const stored = opts.stored ?? run('Running', []);
  const rel = release(opts.spec, midRelease(1, { analysisRuns: [stored] }));
  const plan = decideCanary(
    observed(rel, { canary: ready1, ...(incoming ? { analysis: incoming } : {}), ...opts.obs }),
    at(opts.sec ?? 5),
  );
  CanaryReleaseStatus.parse(plan.status);
  return plan;
}

describe('decideCanary: analysis steps', () => {
  it('creates a Running run for the step when the analysis step starts', () => {
    const rel = release({}, midRelease(0));
    const p = decideCanary(observed(rel, { canary: ready1 }), at(4));
    expect(p.status.analysisRuns).toEqual([run('Running', [], 1, iso(4))]);
    expect(p.measurement !== undefined).toBe(false);
    expect(p.requeueAfterMs).toBe(10_000);
  });

  it.each([
    [5, false, 5_000],
    [10, true, 10_000],
    [25, true, 10_000],
  ])('at +%is since the run started: measureNow %s, requeue %i ms', (sec, measure, requeue) => {
    const p = atAnalysis(undefined, { sec });
    expect(p.measurement !== undefined).toBe(measure);
    expect(p.requeueAfterMs).toBe(requeue);
  });

  it('measures one interval after the latest measurement', () => {
    const stored = run('Running', [measurement('Pass', 0.01, 10)]);
    expect(atAnalysis(undefined, { stored, sec: 19 }).measurement !== undefined).toBe(false);
    const p = atAnalysis(undefined, { stored, sec: 20 });
    expect(p.measurement !== undefined).toBe(true);
    expect(p.measurement).toMatchObject({ stepIndex: 1, version: 'v2', baselineVersion: 'v1', run: stored });
  });

  it('hands the engine the step overrides of count and interval', () => {
    const spec = { steps: [{ setWeight: 10 }, { analysis: { count: 5, interval: '2s' } }] };
    const p = atAnalysis(undefined, { spec, sec: 2 });
    expect(p.measurement?.spec).toMatchObject({ count: 5, interval: '2s', maxErrorRate: 0.05, window: '5m' });
  });

  it('does not measure while the canary pods are not Ready', () => {
    const p = atAnalysis(undefined, {
      sec: 30,
      obs: { canary: { deployment: deployment('v2', 1, 0), crashLooping: false } },
    });
    expect(p.measurement !== undefined).toBe(false);
    expect(p.status.message).toMatch(/waiting for the canary pods/);
  });

  it('records the engine run in status and keeps going while it is Running', () => {
    const incoming = run('Running', [measurement('Pass', 0.01, 10)]);
    const p = atAnalysis(incoming, { sec: 10 });
    expect(p.status.analysisRuns).toEqual([incoming]);
    expect(p.measurement !== undefined).toBe(false);
    expect(p.status.phase).toBe('Progressing');
  });

  it.each<[string, AnalysisRunStatus]>([
    ['a different run (other start)', run('Failed', [measurement('Fail', 0.9, 10)], 1, iso(-100))],
    ['another step', run('Failed', [measurement('Fail', 0.9, 10)], 3)],
    ['an older copy than status holds', run('Running', [])],
  ])('ignores an engine run that is %s', (_what, incoming) => {
    const stored = run('Running', [measurement('Pass', 0.01, 10)]);
    const p = atAnalysis(incoming, { stored, sec: 12 });
    expect(p.status.phase).toBe('Progressing');
    expect(p.status.analysisRuns).toEqual([stored]);
  });

  it('advances to the next weight when the run is Successful', () => {
    const ok = run(
      'Successful',
      [10, 20, 30].map((s) => measurement('Pass', 0.01, s)),
    );
    const p = atAnalysis(ok, { sec: 30 });
    expect(p.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 2, canaryWeight: 50 });
    expect(reasons(p)).toEqual(['StepCompleted']);
    expect(p.events[0]?.message).toMatch(/analysis passed \(error-rate=0.01 \(threshold <= 0.05\)/);
    expect(p.traffic.replicas).toEqual({ stable: 5, canary: 5 });
  });

  it.each<[string, AnalysisRunStatus, Record<string, unknown>, string, string | undefined, string[]]>([
    [
      'Failed rolls back',
      run('Failed', [measurement('Fail', 0.3, 10)]),
      {},
      'RolledBack',
      undefined,
      ['AnalysisFailed', 'RolledBack'],
    ],
    [
      'Failed pauses when rollbackOn.analysisFailure is off',
      run('Failed', [measurement('Fail', 0.3, 10)]),
      { rollbackOn: { analysisFailure: false } },
      'Paused',
      'Failure',
      ['AnalysisFailed', 'Paused'],
    ],
    [
      'Inconclusive pauses for a human',
      run('Inconclusive', [measurement('Inconclusive', undefined, 10)]),
      {},
      'Paused',
      'Inconclusive',
      ['AnalysisInconclusive', 'Paused'],
    ],
    [
      'Error rolls back by default (consecutiveErrorAction Rollback)',
      run('Error', [{ ...measurement('Error', undefined, 10), message: 'connection refused' }]),
      {},
      'RolledBack',
      undefined,
      ['AnalysisError', 'RolledBack'],
    ],
    [
      'Error pauses with consecutiveErrorAction Pause',
      run('Error', [measurement('Error', undefined, 10)]),
      {
        analysis: {
          provider: { prometheus: { address: 'http://p:9090' } },
          maxErrorRate: 0.05,
          consecutiveErrorAction: 'Pause',
        },
      },
      'Paused',
      'AnalysisError',
      ['AnalysisError', 'Paused'],
    ],
    [
      'Successful without one passing measurement does not promote',
      run('Successful', []),
      {},
      'Paused',
      'Inconclusive',
      ['AnalysisInconclusive', 'Paused'],
    ],
  ])('%s', (_what, incoming, spec, phase, pauseReason, events) => {
    const p = atAnalysis(incoming, { spec, sec: 10 });
    expect(p.status.phase).toBe(phase);
    expect(p.status.pauseReason).toBe(pauseReason);
    expect(reasons(p)).toEqual(events);
    expect(p.status.currentStepIndex).toBe(1);
    expect(p.measurement !== undefined).toBe(false);
  });

  it('rolls back with weight 0 and no canary pods in the same pass, naming value and threshold', () => {
    const p = atAnalysis(run('Failed', [measurement('Pass', 0.01, 10), measurement('Fail', 0.3, 20)]), {
      sec: 20,
    });
    expect(p.traffic).toMatchObject({
      stableVersion: 'v1',
      weight: 0,
      effectiveWeight: 0,
      replicas: { stable: 10, canary: 0 },
    });
    expect(p.status).toMatchObject({ canaryWeight: 0, rolledBackVersion: 'v2', finishedAt: iso(20) });
    const rolled = p.events.find((e) => e.reason === 'RolledBack');
    expect(rolled).toMatchObject({ type: 'Warning' });
    expect(rolled?.message).toContain('error-rate=0.3 (threshold <= 0.05)');
    expect(cond(p, 'Degraded')).toMatchObject<Partial<Condition>>({ status: 'True', reason: 'RolledBack' });
    expect(cond(p, 'Degraded')?.message).toContain('error-rate=0.3');
    expect(p.requeueAfterMs).toBeUndefined();
  });
});

describe('decideCanary: automatic rollback on pod health', () => {
  const notReady = { deployment: deployment('v2', 1, 0), crashLooping: false };
  const unreadySince = (s: number): Condition[] => [
    { type: 'CanaryReady', status: 'False', reason: 'PodsNotReady', message: '', lastTransitionTime: iso(s) },
  ];
  it.each<[string, number, Condition[] | undefined, Record<string, unknown>, string]>([
    ['within progressDeadlineSeconds of the step start', 599, undefined, {}, 'Progressing'],
    ['past progressDeadlineSeconds of the step start', 600, undefined, {}, 'RolledBack'],
    [
      'past the deadline with rollbackOn.progressDeadline off',
      600,
      undefined,
      { rollbackOn: { progressDeadline: false } },
      'Paused',
    ],
    [
      'within the deadline counted from when the canary became unready',
      650,
      unreadySince(100),
      {},
      'Progressing',
    ],
    [
      'past the deadline counted from when the canary became unready',
      700,
      unreadySince(100),
      {},
      'RolledBack',
    ],
    ['with a compressed deadline', 5, undefined, { progressDeadlineSeconds: 5 }, 'RolledBack'],
  ])('canary not Ready %s → %s', (_what, sec, conditions, spec, phase) => {
    const rel = release(spec, midRelease(0, conditions ? { conditions } : {}));
    const p = decideCanary(observed(rel, { canary: notReady }), at(sec));
    expect(p.status.phase).toBe(phase);
    if (phase === 'RolledBack') {
      expect(p.status.message).toMatch(
        /^ProgressDeadlineExceeded: canary pods not Ready within progressDeadlineSeconds/,
      );
      expect(p.traffic.replicas.canary).toBe(0);
    }
  });

  it.each<[string, Partial<CanaryReleaseStatus>, Record<string, unknown>, string]>([
    ['a progressing release', {}, {}, 'RolledBack'],
    [
      'a manually paused release',
      { phase: 'Paused', pauseReason: 'Manual', pausedAt: iso(0) },
      {},
      'RolledBack',
    ],
    ['a release with rollbackOn.podCrashLoop off', {}, { rollbackOn: { podCrashLoop: false } }, 'Paused'],
  ])('crash-looping canary pods in %s → %s', (_what, over, spec, phase) => {
    const crash = {
      deployment: deployment('v2', 1, 0),
      crashLooping: true,
      crashMessage: 'pod x container agent: CrashLoopBackOff (restarts 4)',
    };
    const p = decideCanary(
      observed(release(spec, midRelease(2, { canaryWeight: 50, ...over })), { canary: crash }),
      at(1),
    );
    expect(p.status.phase).toBe(phase);
    expect(p.events.at(-1)?.message).toContain('CrashLoopBackOff (restarts 4)');
  });

  it('ignores canary health once the promotion has started', () => {
    const crash = { deployment: deployment('v2', 10, 0), crashLooping: true };
    const p = decideCanary(
      observed(release({}, midRelease(5, { canaryWeight: 100 })), { canary: crash }),
      at(900),
    );
    expect(p.status.phase).toBe('Progressing');
  });
});

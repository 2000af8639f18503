import { describe, expect, it } from 'vitest';
import { type AnalysisRunStatus, CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
import { at, deployment, iso, measurement, observed, release, run } from '../fixtures.test-util.js';
import { decideCanary } from './decide.js';
import type { CanaryObserved, CanaryPlan } from './types.js';

// Shadow traffic first: mirror 20% for 60 s (analysis on the copies), then live weights.
const STEPS = [{ mirror: { percent: 20, duration: '60s' } }, { setWeight: 10 }, { setWeight: 100 }];
const GATEWAY = { gatewayAPI: { httpRoute: 'orch' } };
const reasons = (p: CanaryPlan) => p.events.map((e) => e.reason);
/** 20% of 10 pods. */
const ready2 = { deployment: deployment('v2', 2), crashLooping: false };

/** Decides in the mirror step (entered at 0) `sec` seconds in, with `stored` as the step's run. */
function atMirror(
  stored: AnalysisRunStatus | undefined,
  opts: { sec?: number; spec?: Record<string, unknown>; obs?: Partial<CanaryObserved> } = {},
) {
  const status = {
    phase: 'Progressing' as const,
    fromVersion: 'v1',
    toVersion: 'v2',
    startedAt: iso(0),
    currentStepIndex: 0,
    stepStartedAt: iso(0),
    canaryWeight: 0,
    analysisRuns: stored ? [stored] : [],
  };
  const rel = release({ steps: STEPS, trafficRouting: GATEWAY, ...opts.spec }, status);
  const obs = observed(rel, { canary: ready2, ...opts.obs });
  const plan = decideCanary(obs, at(opts.sec ?? 30));
  CanaryReleaseStatus.parse(plan.status);
  // Deciding again on the plan's own status records no event and changes no traffic.
  const again = decideCanary({ ...obs, release: { ...rel, status: plan.status } }, at(opts.sec ?? 30));
  expect(again.events).toEqual([]);
  expect(again.traffic).toEqual(plan.traffic);
  return plan;
}

const passed = run('Successful', [measurement('Pass', 0.01, 10)], 0);

describe('decideCanary: the mirror step (shadow traffic)', () => {
  it('starts with weight 0, copies 20% to the canary, sizes the canary for 20% and starts the run', () => {
    const rel = release({ steps: STEPS, trafficRouting: GATEWAY });
    const plan = decideCanary(observed(rel), at(0));
    expect(plan.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 0, canaryWeight: 0 });
    expect(plan.traffic).toMatchObject({
      weight: 0,
      effectiveWeight: 0,
      mirrorPercent: 20,
      replicas: { stable: 10, canary: 2 },
    });
    expect(plan.status.analysisRuns?.[0]).toMatchObject({ stepIndex: 0, version: 'v2', phase: 'Running' });
  });

  it('sends no cohort to a shadow canary: cohorts wait for the first weighted step', () => {
    const cohorts = [{ header: 'x-tenant', values: ['beta'] }];
    const plan = atMirror(undefined, { spec: { trafficRouting: { ...GATEWAY, cohorts } } });
    expect(plan.traffic.cohortsToCanary).toBe(false);
    expect(plan.traffic.mirrorPercent).toBe(20);
  });

  it.each<
    [string, AnalysisRunStatus | undefined, number, Partial<CanaryObserved>, string, number | undefined]
  >([
    [
      'pods not Ready yet',
      run('Running', [], 0),
      90,
      { canary: { deployment: deployment('v2', 2, 1), crashLooping: false } },
      'Progressing/0',
      20,
    ],
    [
      'run still measuring after the duration',
      run('Running', [measurement('Pass', 0.01, 10)], 0),
      90,
      {},
      'Progressing/0',
      20,
    ],
    ['run passed before the duration is over', passed, 30, {}, 'Progressing/0', 20],
    ['run passed and the duration is over', passed, 60, {}, 'Progressing/1', undefined],
    ['run failed', run('Failed', [measurement('Fail', 0.4, 10)], 0), 30, {}, 'RolledBack/0', undefined],
    [
      'run inconclusive (too few copies measured)',
      run('Inconclusive', [measurement('Inconclusive', undefined, 10)], 0),
      30,
      {},
      'Paused/0',
      20,
    ],
    ['run Successful without a passing measurement', run('Successful', [], 0), 90, {}, 'Paused/0', 20],
  ])('%s → %s', (_, stored, sec, obs, where, mirror) => {
    const plan = atMirror(stored, { sec, obs });
    expect(`${plan.status.phase}/${plan.status.currentStepIndex}`).toBe(where);
    expect(plan.traffic.mirrorPercent).toBe(mirror);
    if (plan.status.phase === 'RolledBack') expect(plan.traffic.replicas.canary).toBe(0);
  });

  it('completes a passed step into live weight: the copies stop, the canary gets 10% of the users', () => {
    const plan = atMirror(passed, { sec: 60 });
    expect(reasons(plan)).toEqual(['StepCompleted']);
    expect(plan.events[0]?.message).toContain('20% mirrored for 60s');
    expect(plan.traffic).toMatchObject({ weight: 10, effectiveWeight: 10 });
    expect(plan.traffic.mirrorPercent).toBeUndefined();
  });

  it('never leaves the step on Inconclusive: it pauses with the copies still on', () => {
    const plan = atMirror(run('Inconclusive', [measurement('Inconclusive', undefined, 10)], 0), { sec: 90 });
    expect(plan.status.pauseReason).toBe('Inconclusive');
    expect(reasons(plan)).toEqual(['AnalysisInconclusive', 'Paused']);
  });

  it('resume after an Inconclusive pause measures the copies again: a new run, the duration counted anew', () => {
    const paused = atMirror(run('Inconclusive', [measurement('Inconclusive', undefined, 10)], 0), {
      sec: 90,
    });
    const rel = release(
      { steps: STEPS, trafficRouting: GATEWAY },
      { ...paused.status, control: { id: 'r1', action: 'resume', requestedAt: iso(95) } },
    );
    const resumed = decideCanary(observed(rel, { canary: ready2 }), at(100));
    expect(resumed.status).toMatchObject({
      phase: 'Progressing',
      currentStepIndex: 0,
      stepStartedAt: iso(100),
    });
    expect(resumed.status.analysisRuns?.at(-1)).toMatchObject({ phase: 'Running', startedAt: iso(100) });
    expect(resumed.traffic.mirrorPercent).toBe(20);
  });

  it('without spec.analysis, the step is a timed shadow: done once the duration is over', () => {
    const spec = { analysis: undefined };
    expect(atMirror(undefined, { sec: 59, spec }).status.currentStepIndex).toBe(0);
    const done = atMirror(undefined, { sec: 60, spec });
    expect(done.status.currentStepIndex).toBe(1);
    expect(done.traffic.mirrorPercent).toBeUndefined();
  });

  it('an abort in the step rolls back: no copies, no canary pods', () => {
    const plan = atMirror(run('Running', [], 0), {
      spec: {},
      obs: {},
      sec: 10,
    });
    const rel = release(
      { steps: STEPS, trafficRouting: GATEWAY },
      {
        ...plan.status,
        control: { id: 'a1', action: 'abort', requestedAt: iso(10) },
      },
    );
    const aborted = decideCanary(observed(rel, { canary: ready2 }), at(11));
    expect(aborted.status.phase).toBe('RolledBack');
    expect(aborted.traffic.mirrorPercent).toBeUndefined();
    expect(aborted.traffic.replicas.canary).toBe(0);
  });

  it('without an HTTPRoute nothing is mirrored and no canary pod joins the shared Service', () => {
    const plan = atMirror(run('Running', [], 0), { spec: { trafficRouting: {} } });
    expect(plan.traffic.mirrorPercent).toBeUndefined();
    expect(plan.traffic.replicas.canary).toBe(0);
  });
});

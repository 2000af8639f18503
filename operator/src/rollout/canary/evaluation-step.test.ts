import { describe, expect, it } from 'vitest';
import { CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
import { at, deployment, iso, observed, release } from '../fixtures.test-util.js';
import { evaluationJobName } from '../render/render-evaluation-job.js';
import { decideCanary } from './decide.js';
import { EVALUATION_GRACE_MS } from './evaluation-step.js';
import type { CanaryObserved, CanaryPlan, EvaluationObserved } from './types.js';

// The evaluation step first, before any traffic: evaluation → 10% → 100%.
const STEPS = [
  { evaluation: { dataset: { configMapRef: { name: 'golden' } }, timeout: '2m' } },
  { setWeight: 10 },
  { setWeight: 100 },
];
const STARTED = iso(0);
const JOB = evaluationJobName('orch', 0, 'v2', STARTED);
const reasons = (p: CanaryPlan) => p.events.map((e) => e.reason);

const report = (canary: number | undefined, stable: number | undefined, judged = [12, 12]) =>
  JSON.stringify({
    v: 1,
    canary: { ...(canary !== undefined ? { mean: canary } : {}), judged: judged[0], errors: 0 },
    stable: { ...(stable !== undefined ? { mean: stable } : {}), judged: judged[1], errors: 1 },
    worst: ['q3', 'q7', 'q1'],
  });

/** Decides at the evaluation step whose run started at 0, `sec` seconds later, with this Job seen. */
function atEvaluation(
  seen: Partial<EvaluationObserved> | undefined,
  opts: { sec?: number; obs?: Partial<CanaryObserved>; spec?: Record<string, unknown> } = {},
) {
  const running = {
    stepIndex: 0,
    version: 'v2',
    phase: 'Running' as const,
    startedAt: STARTED,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    errors: 0,
    consecutiveErrors: 0,
    measurements: [],
  };
  const status = {
    phase: 'Progressing' as const,
    fromVersion: 'v1',
    toVersion: 'v2',
    startedAt: STARTED,
    currentStepIndex: 0,
    stepStartedAt: STARTED,
    canaryWeight: 0,
    analysisRuns: [running],
  };
  const rel = release({ steps: STEPS, ...opts.spec }, status);
  const obs = observed(rel, {
    canary: { deployment: deployment('v2', 0), crashLooping: false },
    judged: { v2: true },
    ...(seen ? { evaluation: { jobName: JOB, ...seen } } : {}),
    ...opts.obs,
  });
  const plan = decideCanary(obs, at(opts.sec ?? 30));
  CanaryReleaseStatus.parse(plan.status);
  // Deciding again on the plan's own status changes nothing and records no event.
  const again = decideCanary({ ...obs, release: { ...rel, status: plan.status } }, at(opts.sec ?? 30));
  expect(again.events).toEqual([]);
  expect(again.status.phase).toBe(plan.status.phase);
  return plan;
}

const done = (message: string | undefined, finished: 'Complete' | 'Failed' = 'Complete') => ({
  job: { finished },
  ...(message !== undefined ? { terminationMessage: message } : {}),
});

describe('decideCanary: the evaluation step', () => {
  it('starts a run and asks for its Job when the release starts, with no traffic to the canary', () => {
    const rel = release({ steps: STEPS });
    const plan = decideCanary(observed(rel, { desiredVersion: 'v2', judged: { v2: true } }), at(0));
    expect(plan.status.currentStepIndex).toBe(0);
    expect(plan.status.analysisRuns?.[0]).toMatchObject({ stepIndex: 0, version: 'v2', phase: 'Running' });
    expect(plan.evaluationJob).toEqual({ stepIndex: 0, name: JOB });
    expect(plan.traffic).toMatchObject({ weight: 0, replicas: { canary: 0 } });
  });

  it('waits while the Job runs, polling, without asking for it again', () => {
    const plan = atEvaluation({ job: {} });
    expect(plan.evaluationJob).toBeUndefined();
    expect(plan.status.phase).toBe('Progressing');
    expect(plan.status.message).toContain(`Job ${JOB}`);
    expect(plan.requeueAfterMs).toBe(5_000);
  });

  it('Pass: canary ≥ stable × 0.9 completes the step, the Event naming both means', () => {
    const plan = atEvaluation(done(report(0.88, 0.9)));
    expect(plan.status.currentStepIndex).toBe(1);
    expect(plan.status.canaryWeight).toBe(10);
    expect(reasons(plan)).toEqual(['StepCompleted']);
    expect(plan.events[0]?.message).toContain('canary 0.88 vs stable 0.9');
    expect(plan.status.analysisRuns?.[0]).toMatchObject({
      phase: 'Successful',
      measurements: [
        {
          metric: 'evaluation',
          result: 'Pass',
          value: 0.88,
          stableValue: 0.9,
          sampleSize: 12,
          stableSampleSize: 12,
        },
      ],
    });
  });

  it('Fail: rolls back before any traffic; the Event names both means, both counts and the worst ids', () => {
    const plan = atEvaluation(done(report(0.4, 0.9)));
    expect(plan.status.phase).toBe('RolledBack');
    expect(plan.status.canaryWeight).toBe(0);
    expect(plan.status.rolledBackVersion).toBe('v2');
    expect(reasons(plan)).toEqual(['EvaluationFailed', 'RolledBack']);
    const rolledBack = plan.events[1]?.message ?? '';
    expect(rolledBack).toContain('(EvaluationFailed)');
    expect(rolledBack).toContain('canary 0.4 vs stable 0.9');
    expect(rolledBack).toContain('judged answers: canary 12, stable 12');
    expect(rolledBack).toContain('worst canary samples: q3, q7, q1');
  });

  it('Fail with rollbackOn.analysisFailure off pauses as a failure', () => {
    const plan = atEvaluation(done(report(0.4, 0.9)), { spec: { rollbackOn: { analysisFailure: false } } });
    expect(plan.status).toMatchObject({ phase: 'Paused', pauseReason: 'Failure' });
  });

  it.each([
    ['too few judged answers on the canary', report(0.95, 0.9, [9, 12])],
    ['too few judged answers on stable', report(0.95, 0.9, [12, 3])],
    ['nothing judged at all', report(undefined, undefined, [0, 0])],
  ])('Inconclusive (%s) pauses, never a Pass', (_what, message) => {
    const plan = atEvaluation(done(message));
    expect(plan.status).toMatchObject({ phase: 'Paused', pauseReason: 'Inconclusive', currentStepIndex: 0 });
    expect(reasons(plan)).toEqual(['EvaluationInconclusive', 'Paused']);
  });

  it.each([
    [
      'the Job failed',
      { job: { finished: 'Failed', reason: 'BackoffLimitExceeded' } },
      'BackoffLimitExceeded',
    ],
    [
      'the Job failed with an error report',
      done('{"v":1,"error":"http://127.0.0.1:8080 was not ready in time"}', 'Failed'),
      'evaluate: http://127.0.0.1:8080 was not ready in time',
    ],
    ['a Complete Job without a report', done(undefined), 'no termination message'],
    ['a garbage report', done('Segmentation fault'), 'not JSON'],
    [
      'the dataset is missing',
      { problem: 'dataset.configMapRef: ConfigMap golden in namespace team not found' },
      'golden',
    ],
  ] as [string, Partial<EvaluationObserved>, string][])(
    'Error (%s) pauses with the reason',
    (_w, seen, text) => {
      const plan = atEvaluation(seen);
      expect(plan.status).toMatchObject({ phase: 'Paused', pauseReason: 'AnalysisError' });
      expect(reasons(plan)).toEqual(['EvaluationError', 'Paused']);
      expect(plan.events[0]?.message).toContain(text);
      expect(plan.evaluationJob).toBeUndefined();
    },
  );

  it('Error when the Job is still not finished past its timeout (2m) and the grace', () => {
    const sec = 120 + EVALUATION_GRACE_MS / 1000;
    expect(atEvaluation({ job: {} }, { sec: sec - 1 }).status.phase).toBe('Progressing');
    const plan = atEvaluation({ job: {} }, { sec });
    expect(plan.status.phase).toBe('Paused');
    expect(plan.events[0]?.message).toContain('did not finish within its timeout 2m');
  });

  it.each([
    [false, 'AgentVersion v2 has no spec.judge'],
    [undefined, 'AgentVersion v2 was not found'],
  ])('Error without a judge on the canary version (judge %s), no Job created', (judge, text) => {
    const plan = atEvaluation(undefined, { obs: { judged: judge === undefined ? {} : { v2: judge } } });
    expect(plan.status.message).toContain(text);
    expect(plan.status.phase).toBe('Paused');
    expect(plan.evaluationJob).toBeUndefined();
  });

  it('ignores a Job of another run (an older name) and asks for its own', () => {
    const plan = atEvaluation({ jobName: 'orch-eval0-0000000000', ...done(report(0.9, 0.9)) });
    expect(plan.status.phase).toBe('Progressing');
    expect(plan.evaluationJob?.name).toBe(JOB);
  });

  it('resume after an Inconclusive evaluation starts a new run with a new Job name', () => {
    const paused = atEvaluation(done(report(0.9, 0.9, [2, 2])), { sec: 30 });
    const rel = release(
      { steps: STEPS },
      { ...paused.status, control: { id: 'r1', action: 'resume', requestedAt: iso(40) } },
    );
    const plan = decideCanary(observed(rel, { judged: { v2: true } }), at(40));
    expect(plan.status.phase).toBe('Progressing');
    expect(plan.evaluationJob?.name).toBe(evaluationJobName('orch', 0, 'v2', iso(40)));
    expect(plan.evaluationJob?.name).not.toBe(JOB);
  });
});

// The `evaluation` step: a Job replays the golden dataset against the canary and the stable version and
// reports both judge scores (render/render-evaluation-job.ts). Pure: the Job and its report are in the
// observation, the run (stepIndex, startedAt, the one `evaluation` measurement) in status.analysisRuns, so a
// restarted operator looks for the same Job. Pass → next step; Fail → rollback (rollbackOn.analysisFailure);
// Inconclusive → pause; Error (no judge, no dataset, the Job failed or timed out, a bad report) → pause.
import { evaluationError, judgeEvaluation, parseReport } from '../../analysis/evaluation.js';
import { describeMeasurements, MAX_RUNS, startRun } from '../../analysis/run.js';
import type { AnalysisRunStatus, EvaluationStep, Measurement } from '../../api/v1alpha1/index.js';
import { parseDuration } from '../../api/v1alpha1/index.js';
import { evaluationJobName } from '../render/render-evaluation-job.js';
import { failRelease, pause, stamp, type Work } from './transitions.js';

/** How often a running evaluation is looked at (a finished Job also wakes the release through its watch). */
export const EVALUATION_POLL_MS = 5_000;
/** Beyond the Job's own deadline: time for the Job controller to mark it failed before decide gives up. */
export const EVALUATION_GRACE_MS = 30_000;

const PHASE_OF: Record<Measurement['result'], AnalysisRunStatus['phase']> = {
  Pass: 'Successful',
  Fail: 'Failed',
  Inconclusive: 'Inconclusive',
  Error: 'Error',
};

/** The evaluation run of step i for the canary version: the newest one, or a new one started now. */
function evaluationRun(w: Work, i: number): { runs: AnalysisRunStatus[]; idx: number } {
  const version = w.status.toVersion ?? '';
  let runs = [...(w.status.analysisRuns ?? [])];
  const find = () => runs.findLastIndex((r) => r.stepIndex === i && r.version === version);
  if (find() < 0) {
    runs = [...runs, startRun({ stepIndex: i, version, now: w.now })].slice(-MAX_RUNS);
  }
  return { runs, idx: find() };
}

/** The measurement of a running evaluation, or undefined while the Job runs (asking for it when absent). */
function observe(w: Work, i: number, step: EvaluationStep, run: AnalysisRunStatus): Measurement | undefined {
  const s = w.status;
  const label = `step ${i + 1}/${w.spec.steps.length} (evaluation)`;
  const judged = w.obs.judged?.[s.toVersion ?? ''];
  if (judged !== true) {
    const why = judged === false ? 'has no spec.judge' : 'was not found (its spec.judge is needed)';
    return evaluationError(
      `AgentVersion ${s.toVersion} ${why}: ${label} scores both versions with the canary's judge model and rubric`,
      w.now,
    );
  }
  const name = evaluationJobName(w.obs.release.metadata.name ?? '', i, s.toVersion ?? '', run.startedAt);
  const seen = w.obs.evaluation?.jobName === name ? w.obs.evaluation : undefined;
  if (seen?.problem) return evaluationError(seen.problem, w.now);
  const finished = seen?.job?.finished;
  if (finished === 'Complete') return judgeEvaluation(parseReport(seen?.terminationMessage), step, w.now);
  if (finished === 'Failed') {
    const report = parseReport(seen?.terminationMessage);
    const said = report.ok && 'error' in report.report ? `: evaluate: ${report.report.error}` : '';
    const why = [seen?.job?.reason, seen?.job?.message].filter(Boolean).join(': ') || 'failed';
    return evaluationError(`the evaluation Job ${name} failed (${why})${said}`, w.now);
  }
  const deadline = Date.parse(run.startedAt) + parseDuration(step.timeout) + EVALUATION_GRACE_MS;
  if (w.now.getTime() >= deadline) {
    return evaluationError(
      `the evaluation Job ${name} did not finish within its timeout ${step.timeout}`,
      w.now,
    );
  }
  if (!seen?.job) w.evaluationJob = { stepIndex: i, name };
  w.waits.push(Math.min(EVALUATION_POLL_MS, deadline - w.now.getTime()));
  s.message = `${label}: evaluating ${s.toVersion} against ${s.fromVersion} on the dataset (Job ${name})`;
  return undefined;
}

/** Whether evaluation step i is done; a string is the note for its StepCompleted event. */
export function evaluationStep(w: Work, i: number, step: EvaluationStep): string | false {
  const s = w.status;
  const label = `step ${i + 1}/${w.spec.steps.length} (evaluation)`;
  const { runs, idx } = evaluationRun(w, i);
  let run = runs[idx] as AnalysisRunStatus;
  if (run.phase === 'Running') {
    const m = observe(w, i, step, run);
    if (!m) {
      s.analysisRuns = runs;
      return false;
    }
    run = {
      ...run,
      phase: PHASE_OF[m.result],
      finishedAt: stamp(w.now),
      successful: m.result === 'Pass' ? 1 : 0,
      failed: m.result === 'Fail' ? 1 : 0,
      inconclusive: m.result === 'Inconclusive' ? 1 : 0,
      errors: m.result === 'Error' ? 1 : 0,
      consecutiveErrors: m.result === 'Error' ? 1 : 0,
      measurements: [...run.measurements, m],
      ...(m.message ? { message: m.message.slice(0, 1024) } : {}),
    };
    runs[idx] = run;
  }
  s.analysisRuns = runs;
  switch (run.phase) {
    case 'Successful':
      return `: evaluation passed (${describeMeasurements(run, 'Pass')})`;
    case 'Failed': {
      const detail = `${label}: ${describeMeasurements(run, 'Fail')}`;
      w.events.push({ type: 'Warning', reason: 'EvaluationFailed', message: detail });
      failRelease(w, 'EvaluationFailed', detail, w.spec.rollbackOn.analysisFailure);
      return false;
    }
    case 'Inconclusive': {
      const detail = `${label}: ${describeMeasurements(run, 'Inconclusive')}`;
      w.events.push({ type: 'Warning', reason: 'EvaluationInconclusive', message: detail });
      pause(w, 'Inconclusive', `${detail}; promote, resume (evaluate again) or abort`);
      return false;
    }
    default: {
      const detail = `${label}: ${describeMeasurements(run, 'Error')}`;
      w.events.push({ type: 'Warning', reason: 'EvaluationError', message: detail });
      pause(w, 'AnalysisError', `${detail}; promote, resume (evaluate again) or abort`);
      return false;
    }
  }
}

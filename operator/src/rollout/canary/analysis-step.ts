// The analysis run of a step: an `analysis` step's, or the run on a `mirror` step's shadow traffic.
import {
  currentRun,
  describeMeasurements,
  nextTick,
  ticksTaken,
  withStepOverrides,
} from '../../analysis/run.js';
import type { CanaryStep } from '../../api/v1alpha1/index.js';
import { handleModelDrift } from './model-drift.js';
import { canaryReady } from './outcome.js';
import { failRelease, pause, rollback, type Work } from './transitions.js';

/**
 * The analysis run of step i (an `analysis` step, or the run of a `mirror` step): measures while it runs,
 * and says whether it passed; `where` describes the traffic it measures, for the status message.
 */
export function analysisStep(
  w: Work,
  i: number,
  overrides: CanaryStep['analysis'],
  label: string,
  where = `at weight ${w.status.canaryWeight}`,
): string | false {
  const s = w.status;
  if (!w.spec.analysis) {
    pause(w, 'Failure', `spec.analysis: required by ${label}`);
    return false;
  }
  const spec = withStepOverrides(w.spec.analysis, overrides);
  // A run that left status (edited or trimmed) starts again.
  const { runs, run } = currentRun(
    s.analysisRuns,
    { stepIndex: i, version: s.toVersion ?? '' },
    w.obs.analysis,
    w.now,
  );
  s.analysisRuns = runs;
  if (run.modelDrift && handleModelDrift(w, run.modelDrift, label)) return false;
  switch (run.phase) {
    case 'Running': {
      const progress = `${ticksTaken(run)}/${spec.count} measurements, ${run.successful} passed`;
      if (!canaryReady(w.obs, s)) {
        s.message = `${label}: waiting for the canary pods to be Ready before measuring (${progress})`;
        return false;
      }
      const tick = nextTick(run, spec, w.now);
      const asked = w.obs.canaryModel;
      if (tick.due) {
        w.measure = {
          stepIndex: i,
          spec,
          run,
          version: s.toVersion ?? '',
          baselineVersion: s.fromVersion,
          subjectTrack: 'canary',
          baselineTrack: 'stable',
          ...(asked && asked.version === s.toVersion ? { askedModel: asked.model } : {}),
        };
      }
      w.waits.push(tick.waitMs);
      s.message = `${label}: analysing ${s.toVersion} ${where} (${progress})`;
      return false;
    }
    case 'Successful':
      if (run.successful < 1) {
        // Never promote without data, whatever the assessment says.
        w.events.push({
          type: 'Warning',
          reason: 'AnalysisInconclusive',
          message: `${label}: Successful without a passing measurement`,
        });
        pause(
          w,
          'Inconclusive',
          `${label}: analysis reported Successful without a passing measurement; promote or abort`,
        );
        return false;
      }
      return `: analysis passed (${describeMeasurements(run, 'Pass')})`;
    case 'Failed': {
      const detail = `${label}: ${describeMeasurements(run, 'Fail')}`;
      w.events.push({ type: 'Warning', reason: 'AnalysisFailed', message: detail });
      failRelease(w, 'AnalysisFailed', detail, w.spec.rollbackOn.analysisFailure);
      return false;
    }
    case 'Inconclusive': {
      const detail = `${label}: ${describeMeasurements(run, 'Inconclusive')}`;
      w.events.push({ type: 'Warning', reason: 'AnalysisInconclusive', message: detail });
      pause(w, 'Inconclusive', `${detail}; promote, resume (analyse again) or abort`);
      return false;
    }
    case 'Error': {
      const detail = `${label}: ${describeMeasurements(run, 'Error')}`;
      w.events.push({ type: 'Warning', reason: 'AnalysisError', message: detail });
      if (spec.consecutiveErrorAction === 'Rollback') rollback(w, 'AnalysisError', detail);
      else pause(w, 'AnalysisError', `${detail}; promote, resume (analyse again) or abort`);
      return false;
    }
  }
}

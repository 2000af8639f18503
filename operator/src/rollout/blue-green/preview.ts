// The verdict on the preview color: crash loops and the progress deadline fail it; it waits until Ready;
// then pre-promotion analysis (the shared run bookkeeping of analysis/run.ts) passes, fails, or asks a human.
import { currentRun, describeMeasurements, nextTick } from '../../analysis/run.js';
import type { MeasurementResult } from '../../api/v1alpha1/index.js';
import { SAFETY_REQUEUE_MS } from '../plan.js';
import { progressDeadlineExceeded, readyPods, trackReady } from '../track-health.js';
import { event, rollbackPreview } from './transitions.js';
import { desiredOf, previewColor, previewReplicas, type Work } from './types.js';

export type Verdict = 'ok' | 'wait' | 'human' | 'failed';

/** Pre-promotion analysis of a Ready preview; the run lives in the agent's status.analysisRuns. */
function analysePreview(w: Work): Verdict {
  const spec = w.bg.prePromotionAnalysis;
  const color = previewColor(w);
  const desired = desiredOf(w);
  const hold = w.bg.autoPromote ? '' : '; waiting for promote';
  if (!spec) {
    w.st.message = `preview ${color} (${desired}) Ready${hold}`;
    return 'ok';
  }
  const { runs, run, stored } = currentRun(
    w.st.analysisRuns,
    { stepIndex: -1, version: desired },
    w.obs.analysis,
    w.now,
  );
  w.st.analysisRuns = runs;
  const ended = stored.phase === 'Running' && run.phase !== 'Running'; // events only on that transition
  const detail = (r: MeasurementResult) => `pre-promotion analysis: ${describeMeasurements(run, r)}`;
  switch (run.phase) {
    case 'Running': {
      const tick = nextTick(run, spec, w.now);
      if (tick.due) {
        w.measurement = {
          stepIndex: -1,
          spec,
          run,
          version: desired,
          baselineVersion: w.versions[w.active],
          subjectTrack: color,
          baselineTrack: w.active,
        };
      }
      w.waits.push(tick.waitMs);
      w.st.message = `analysing preview ${color} (${desired}): ${run.measurements.length}/${spec.count} measurements`;
      return 'wait';
    }
    case 'Successful':
      if (run.successful > 0) {
        w.st.message = `preview ${color} (${desired}) passed analysis${hold}`;
        return 'ok';
      }
      break; // never promote without data
    case 'Failed':
      if (ended) event(w, 'Warning', 'AnalysisFailed', detail('Fail'));
      rollbackPreview(w, 'AnalysisFailed', detail('Fail'));
      return 'failed';
    case 'Error':
      if (ended) event(w, 'Warning', 'AnalysisError', detail('Error'));
      if (spec.consecutiveErrorAction === 'Rollback') {
        rollbackPreview(w, 'AnalysisError', detail('Error'));
        return 'failed';
      }
      break;
    case 'Inconclusive':
      if (ended) event(w, 'Warning', 'AnalysisInconclusive', detail('Inconclusive'));
      break;
  }
  w.st.message = `${detail(run.phase === 'Error' ? 'Error' : 'Inconclusive')}; promote or abort`;
  return 'human';
}

/** Health first (crash loop, progress deadline), then readiness, then analysis. */
export function judgePreview(w: Work): Verdict {
  const color = previewColor(w);
  const desired = desiredOf(w);
  const want = previewReplicas(w);
  const d = w.obs.deployments[color];
  if (w.obs.previewCrashLooping) {
    rollbackPreview(w, 'CrashLoop', w.obs.previewCrashMessage ?? `pods of ${desired} crash-loop`);
    return 'failed';
  }
  if (progressDeadlineExceeded(d, desired)) {
    const detail = `${color} not Ready within its progress deadline (${readyPods(d)}/${want} Ready)`;
    rollbackPreview(w, 'ProgressDeadlineExceeded', detail);
    return 'failed';
  }
  if (!trackReady(d, desired, want)) {
    w.st.message = `waiting for preview ${color} (${desired}): ${readyPods(d)}/${want} Ready`;
    w.waits.push(SAFETY_REQUEUE_MS);
    return 'wait';
  }
  return analysePreview(w);
}

// The `mirror` step: shadow traffic before live traffic. While it runs the HTTPRoute copies
// `percent`% of the live requests to the canary (a RequestMirror filter; users get only stable's answers),
// the canary's weight is 0 and its pods are told they are shadow. The copies go to the canary Service's
// `shadow` port, where the runtime stubs side-effect tools for every request (render-service.ts). With
// spec.analysis the step's run measures the canary track's own metrics, i.e. the copies. The step is
// done when its duration has passed, the canary pods are Ready and, with spec.analysis, the run passed;
// a failed run rolls back (rollbackOn.analysisFailure), an Inconclusive one pauses with the copies on.
import { type MirrorStep, parseDuration } from '../../api/v1alpha1/index.js';
import { SAFETY_REQUEUE_MS } from '../plan.js';
import { readyPods } from '../track-health.js';
import { analysisStep } from './analysis-step.js';
import { canaryReady, desiredSplit } from './outcome.js';
import { stamp, type Work } from './transitions.js';

/** Whether mirror step i is done; a string is the note for its StepCompleted event. */
export function mirrorStep(w: Work, i: number, step: MirrorStep): string | false {
  const s = w.status;
  const label = `step ${i + 1}/${w.spec.steps.length} (mirror ${step.percent}%)`;
  if (!canaryReady(w.obs, s)) {
    const want = desiredSplit(w.spec, s, w.obs).canary;
    s.message = `${label}: waiting for the canary pods: ${readyPods(w.obs.canary.deployment)}/${want} Ready`;
    w.waits.push(SAFETY_REQUEUE_MS);
    return false;
  }
  let note = '';
  if (w.spec.analysis) {
    const where = `on ${step.percent}% of the requests mirrored (shadow traffic)`;
    const passed = analysisStep(w, i, undefined, label, where);
    if (passed === false) return false;
    note = passed;
  }
  const end = Date.parse(s.stepStartedAt ?? stamp(w.now)) + parseDuration(step.duration);
  if (w.now.getTime() >= end) return `: ${step.percent}% mirrored for ${step.duration}${note}`;
  w.waits.push(end - w.now.getTime());
  s.message = `${label}: mirroring ${step.percent}% of the requests to ${s.toVersion} until ${stamp(new Date(end))}${note ? ` (analysis passed)` : ''}`;
  return false;
}

// The step machine of a running canary release: health checks, then the current step until one blocks.
import { type CanaryStep, parseDuration } from '../../api/v1alpha1/index.js';
import { SAFETY_REQUEUE_MS } from '../plan.js';
import { readyPods, trackReady } from '../track-health.js';
import { analysisStep } from './analysis-step.js';
import { evaluationStep } from './evaluation-step.js';
import { completedHere, leaveTogether } from './lockstep.js';
import { mirrorStep } from './mirror-step.js';
import { CANARY_READY, canaryReady, desiredSplit, isPromoting } from './outcome.js';
import {
  advance,
  describeStep,
  failRelease,
  isActive,
  pause,
  promoted,
  stamp,
  type Work,
} from './transitions.js';

/** Whether step i is done; a string (possibly empty) is the note for its StepCompleted event. */
function stepDone(w: Work, i: number, step: CanaryStep): string | false {
  const s = w.status;
  const label = `step ${i + 1}/${w.spec.steps.length} (${describeStep(step)})`;
  if (step.setWeight !== undefined) {
    if (canaryReady(w.obs, s)) return '';
    const want = desiredSplit(w.spec, s, w.obs).canary;
    s.message = `${label}: waiting for the canary pods: ${readyPods(w.obs.canary.deployment)}/${want} Ready`;
    w.waits.push(SAFETY_REQUEUE_MS);
    return false;
  }
  if (step.pause) {
    if (step.pause.duration === undefined) {
      pause(w, 'Step', `${label}: waiting for promote`);
      return false;
    }
    const end = Date.parse(s.stepStartedAt ?? stamp(w.now)) + parseDuration(step.pause.duration);
    if (w.now.getTime() >= end) return '';
    w.waits.push(end - w.now.getTime());
    s.message = `${label}: pausing until ${stamp(new Date(end))}`;
    return false;
  }
  if (step.evaluation) return evaluationStep(w, i, step.evaluation);
  if (step.mirror) return mirrorStep(w, i, step.mirror);
  return analysisStep(w, i, step.analysis, `step ${i + 1}/${w.spec.steps.length} (analysis)`);
}

/** Crash loops roll back (or pause) in any unpromoted state; the progress deadline while progressing. */
export function checkHealth(w: Work): void {
  const s = w.status;
  const { obs, spec } = w;
  if (!isActive(s) || isPromoting(spec, s) || (s.phase === 'Paused' && s.pauseReason === 'Failure')) return;
  if (obs.canary.crashLooping) {
    const detail = obs.canary.crashMessage ?? `canary pods of ${s.toVersion} crash-loop`;
    failRelease(w, 'CrashLoop', detail, spec.rollbackOn.podCrashLoop);
    return;
  }
  if (s.phase !== 'Progressing' || canaryReady(obs, s)) return;
  const deadline = spec.progressDeadlineSeconds * 1000;
  // The deadline runs from the later of: the step start, the moment the canary was last seen not Ready.
  const unready = s.conditions?.find((c) => c.type === CANARY_READY && c.status === 'False');
  const since = Math.max(
    Date.parse(s.stepStartedAt ?? stamp(w.now)),
    unready ? Date.parse(unready.lastTransitionTime) : 0,
  );
  const left = since + deadline - w.now.getTime();
  if (left > 0) {
    w.waits.push(left);
    return;
  }
  const want = desiredSplit(spec, s, obs).canary;
  const detail = `canary pods not Ready within progressDeadlineSeconds ${spec.progressDeadlineSeconds} (${readyPods(obs.canary.deployment)}/${want} Ready)`;
  failRelease(w, 'ProgressDeadlineExceeded', detail, spec.rollbackOn.progressDeadline);
}

function promoting(w: Work): void {
  const s = w.status;
  const to = s.toVersion ?? '';
  if (trackReady(w.obs.stable.deployment, to, w.obs.totalReplicas)) {
    promoted(w);
    return;
  }
  s.message = `promoting ${to}: stable ${readyPods(w.obs.stable.deployment)}/${w.obs.totalReplicas} pods Ready`;
  w.waits.push(SAFETY_REQUEUE_MS);
}

/** Runs steps in order until one blocks (bounded: each step is entered at most once per call). */
export function runSteps(w: Work): void {
  const n = w.spec.steps.length;
  for (let guard = 0; guard <= n + 1; guard++) {
    const s = w.status;
    if (s.phase !== 'Progressing' || !isActive(s)) return;
    if ((s.currentStepIndex ?? 0) > n) s.currentStepIndex = n; // steps were removed from the spec
    const i = s.currentStepIndex ?? 0;
    const step = w.spec.steps[i];
    if (!step) {
      promoting(w);
      return;
    }
    // A lockstep member that completed the step waits at the barrier without running it again.
    const done = completedHere(w, i) ? '' : stepDone(w, i, step);
    if (done === false || w.status.phase !== 'Progressing') return;
    if (!w.obs.group) advance(w, i, done);
    else if (!leaveTogether(w, i, done)) return;
  }
}

// Manual control of a canary release through status.control: each request id is handled exactly once
// and its outcome recorded in status.lastControl (so a restart never applies it twice).
import type { ControlAction, ControlResult } from '../../api/v1alpha1/index.js';
import { completedHere, completeInGroup } from './lockstep.js';
import {
  advance,
  describeStep,
  enterStep,
  isActive,
  pause,
  resumeProgress,
  rollback,
  stamp,
  type Work,
} from './transitions.js';

type Outcome = Pick<ControlResult, 'outcome' | 'message'>;
const applied = (message?: string): Outcome => ({ outcome: 'Applied', ...(message ? { message } : {}) });
const ignored = (message: string): Outcome => ({ outcome: 'Ignored', message });
const rejected = (message: string): Outcome => ({ outcome: 'Rejected', message });

/**
 * The version the stable track runs now. A finished release knows it from its status (the source of
 * truth after a restart); otherwise the observation says.
 */
export function currentStable(w: Work): string | undefined {
  const s = w.status;
  if (s.phase === 'Promoted' && s.toVersion !== undefined) return s.toVersion;
  if (s.phase === 'RolledBack' && s.fromVersion !== undefined) return s.fromVersion;
  return w.obs.stableVersion;
}

function act(w: Work, action: ControlAction): Outcome {
  const s = w.status;
  const n = w.spec.steps.length;
  const i = s.currentStepIndex ?? 0;
  const active = isActive(s);
  const where = `step ${i + 1}/${n} (${describeStep(w.spec.steps[i])})`;
  if (!active && action !== 'retry') return ignored(`no release in progress (phase ${s.phase})`);
  switch (action) {
    case 'promote':
      if (i >= n) return ignored('the release is already promoting');
      if (completedHere(w, i)) return ignored(`${where} is completed; waiting for the lockstep group`);
      resumeProgress(w);
      // In a lockstep group the step is completed here; the group leaves it together (lockstep.ts).
      if (w.obs.group) completeInGroup(w, i, ' (promoted manually)');
      else advance(w, i, ' (promoted manually)');
      return applied();
    case 'promoteFull':
      if (i >= n) return ignored('the release is already promoting');
      if (w.obs.group)
        return rejected(
          `lockstep group ${w.obs.group.name}: a member cannot skip steps alone; promote the group step by step`,
        );
      resumeProgress(w);
      enterStep(w, n);
      return applied(`skipped ${n - i} remaining steps`);
    case 'abort':
      rollback(w, 'Aborted', `aborted by control request at ${where}`);
      return applied();
    case 'pause':
      if (s.phase === 'Paused') return ignored('already paused');
      if (i >= n) return rejected('a promotion in progress cannot be paused; abort to roll back');
      pause(w, 'Manual', `paused by control request at ${where}`);
      return applied();
    case 'resume': {
      if (s.phase !== 'Paused') return ignored('not paused');
      const reason = s.pauseReason;
      resumeProgress(w);
      const again = reason === 'Inconclusive' || reason === 'AnalysisError' || reason === 'ModelDrift';
      if (reason === 'Step' && w.obs.group) completeInGroup(w, i, ' (resumed)');
      else if (reason === 'Step') advance(w, i, ' (resumed)');
      else if (again) enterStep(w, i); // analyse again
      return applied(again ? 'analysis restarted' : undefined);
    }
    case 'retry': {
      if (s.phase !== 'RolledBack')
        return ignored(`only a rolled-back release can be retried (phase ${s.phase})`);
      const stable = currentStable(w);
      if (w.obs.desiredVersion === stable) return ignored(`the army asks for the stable version ${stable}`);
      delete s.rolledBackVersion; // the version step starts the release again in this pass
      return applied(`restarting the release of ${w.obs.desiredVersion}`);
    }
  }
}

/** Acts on status.control when its id is new. */
export function handleControl(w: Work): void {
  const c = w.status.control;
  if (!c || w.status.lastControl?.id === c.id) return;
  const before = w.events.length;
  const result = act(w, c.action);
  w.status.lastControl = { id: c.id, action: c.action, ...result, handledAt: stamp(w.now) };
  const text = `${c.action} (request ${c.id}${c.requestedBy ? ` by ${c.requestedBy}` : ''}): ${result.outcome}${result.message ? `: ${result.message}` : ''}`;
  // The request's event comes before the transitions it caused.
  w.events.splice(before, 0, {
    type: result.outcome === 'Rejected' ? 'Warning' : 'Normal',
    reason: `Control${result.outcome}`,
    message: text,
  });
}

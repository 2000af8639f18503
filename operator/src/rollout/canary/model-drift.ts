// What a release does when an analysis tick saw the canary served another model than its AgentVersion
// asks for (an alias that moved): record it in status.modelDrift with a Warning Event naming both models
// (once per served model), then follow spec.analysis.modelDrift: Pause for a human, Rollback, or Ignore.
import type { ModelDrift } from '../../api/v1alpha1/index.js';
import { pause, rollback, type Work } from './transitions.js';

export const MODEL_DRIFT_CONDITION = 'ModelDrift';

export function describeDrift(version: string | undefined, d: ModelDrift): string {
  const calls = d.servedCalls !== undefined ? ` (${d.servedCalls} model calls in the window)` : '';
  return `canary ${version ?? ''} asks for model ${d.askedModel} but the provider served ${d.servedModel}${calls}`;
}

/** Records the drift and applies the policy; true when the release stopped (paused or rolled back). */
export function handleModelDrift(w: Work, drift: ModelDrift, label: string): boolean {
  const s = w.status;
  const policy = w.spec.analysis?.modelDrift ?? 'Pause';
  const detail = describeDrift(s.toVersion, drift);
  const known =
    s.modelDrift?.askedModel === drift.askedModel && s.modelDrift.servedModel === drift.servedModel;
  if (!known) {
    s.modelDrift = drift;
    w.events.push({
      type: 'Warning',
      reason: 'ModelDrift',
      message: `${label}: ${detail}; policy ${policy}`,
    });
  }
  switch (policy) {
    case 'Ignore':
      return false;
    case 'Rollback':
      rollback(w, 'ModelDrift', `${label}: ${detail}`);
      return true;
    case 'Pause':
      pause(w, 'ModelDrift', `ModelDrift: ${label}: ${detail}; resume (analyse again) or abort`);
      return true;
  }
}

// Manual control of a blue-green agent through the army's status.control (addressed to this agent): each
// request id is handled once and its outcome returned for the army's status.lastControl.

import { stamp } from '../../analysis/run.js';
import type { ControlAction, ControlResult } from '../../api/v1alpha1/index.js';
import { trackReady } from '../track-health.js';
import { rollbackPreview, switchBack } from './transitions.js';
import { inPreview, previewColor, previewReplicas, type Work } from './types.js';

type Outcome = Pick<ControlResult, 'outcome' | 'message'>;
const applied: Outcome = { outcome: 'Applied' };
const ignored = (message: string): Outcome => ({ outcome: 'Ignored', message });
const rejected = (message: string): Outcome => ({ outcome: 'Rejected', message });

function act(w: Work, action: ControlAction): Outcome {
  const color = previewColor(w);
  switch (action) {
    case 'promote':
    case 'promoteFull':
      if (!inPreview(w)) return ignored('no preview waiting for promotion');
      if (!trackReady(w.obs.deployments[color], w.versions[color] ?? '', previewReplicas(w)))
        return rejected(`preview ${color} (${w.versions[color]}) is not Ready`);
      w.approved = true;
      return applied;
    case 'abort':
      if (inPreview(w)) rollbackPreview(w, 'Aborted', 'aborted by control request');
      else if (w.st.scaleDownAt !== undefined) switchBack(w);
      else return ignored('nothing to abort: no preview and the old color is already scaled down');
      return applied;
    case 'retry':
      if (!w.rolledBack) return ignored('nothing was rolled back');
      w.rolledBack = false;
      return applied;
    default:
      return rejected('blue-green cannot pause; set autoPromote: false to hold the switch');
  }
}

/** Acts on the army's status.control when it is addressed to this agent and its id is new. */
export function handleControl(w: Work): void {
  const c = w.obs.control;
  if (!c || c.agent !== w.obs.agent.name || w.obs.lastControl?.id === c.id) return;
  const before = w.events.length;
  const { outcome, message } = act(w, c.action);
  w.lastControl = {
    id: c.id,
    action: c.action,
    outcome,
    ...(message ? { message } : {}),
    handledAt: stamp(w.now),
  };
  // The request's event comes before the transitions it caused.
  w.events.splice(before, 0, {
    type: outcome === 'Rejected' ? 'Warning' : 'Normal',
    reason: `Control${outcome}`,
    message: `${c.action} of agent ${w.obs.agent.name} (request ${c.id}): ${outcome}${message ? `: ${message}` : ''}`,
  });
}

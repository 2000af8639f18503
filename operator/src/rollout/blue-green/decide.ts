// decideBlueGreen: the blue-green strategy of one agent as a pure function of the observation and the
// clock. A version change brings the other color up behind the preview Service; once Ready (and analysed)
// the active Service switches; the old color stays for scaleDownDelaySeconds, then goes to zero. A failure
// before the switch leaves traffic alone and scales the new color down; abort after the switch, while the
// old color still runs, switches straight back. The steps run in order on one working state:
// control.ts → the desired version (here) → preview.ts → transitions.scaleDownOldColor → outcome.ts.
import { type AgentStatus, BlueGreenStrategy } from '../../api/v1alpha1/index.js';
import { requeueAfter } from '../plan.js';
import { runningVersionName } from '../track-health.js';
import { handleControl } from './control.js';
import { colorPlans, settleStatus } from './outcome.js';
import { judgePreview } from './preview.js';
import { cancelPreview, scaleDownOldColor, startPreview, switchToPreview } from './transitions.js';
import {
  type BlueGreenObserved,
  type BlueGreenPlan,
  type Color,
  desiredOf,
  inPreview,
  previewColor,
  type Work,
} from './types.js';

/** The working state from the agent's status; a lost status falls back to the live Service, else blue. */
export function startWork(obs: BlueGreenObserved, now: Date): Work {
  const desired = obs.agent.version;
  const st: AgentStatus = structuredClone(
    obs.previous ?? { name: obs.agent.name, phase: 'Pending', readyReplicas: 0 },
  );
  st.name = obs.agent.name;
  st.desiredVersion = desired;
  const versions: Partial<Record<Color, string>> = { ...st.colorVersions };
  const active: Color = st.activeColor ?? obs.activeServiceColor ?? 'blue';
  if (versions[active] === undefined) {
    versions[active] = st.activeColor ? desired : (runningVersionName(obs.deployments[active]) ?? desired);
    st.previewColor = active;
  }
  st.activeColor = active;
  const w: Work = {
    obs,
    bg: obs.agent.strategy.blueGreen ?? BlueGreenStrategy.parse({}),
    now,
    st,
    versions,
    active,
    rolledBack: false,
    approved: false,
    events: [],
    waits: [],
  };
  // A rollback is remembered until the spec moves: the new version waits on the other color, scaled down.
  w.rolledBack =
    st.phase === 'Degraded' &&
    !inPreview(w) &&
    versions[previewColor(w)] === desired &&
    desired !== versions[active];
  return w;
}

/** The desired version: cancel the preview, keep it, or (re)start one. */
export function followVersion(w: Work): void {
  const desired = desiredOf(w);
  if (desired === w.versions[w.active]) {
    if (inPreview(w)) cancelPreview(w);
    w.rolledBack = false;
    return;
  }
  const previewing = inPreview(w) && w.versions[previewColor(w)] === desired;
  if (!previewing && !w.rolledBack) startPreview(w);
}

/** The preview's verdict; a passing (or approved) preview takes the active Service. */
export function promotePreview(w: Work): void {
  if (!inPreview(w)) return;
  const verdict = judgePreview(w);
  if (verdict !== 'failed' && (w.approved || (verdict === 'ok' && w.bg.autoPromote))) switchToPreview(w);
}

export function decideBlueGreen(obs: BlueGreenObserved, now: Date): BlueGreenPlan {
  const w = startWork(obs, now);
  handleControl(w);
  followVersion(w);
  promotePreview(w);
  scaleDownOldColor(w);
  const colors = colorPlans(w);
  settleStatus(w);
  const { st } = w;
  return {
    status: st,
    traffic: { colors, services: { active: w.active, preview: st.previewColor ?? w.active } },
    events: w.events,
    ...(w.waits.length > 0 ? { requeueAfterMs: requeueAfter(w.waits) } : {}),
    ...(w.measurement ? { measurement: w.measurement } : {}),
    ...(w.lastControl ? { lastControl: w.lastControl } : {}),
    ...(w.rolledBack
      ? { problem: { reason: 'RolledBack' as const, message: st.message ?? 'rolled back' } }
      : {}),
  };
}

// What a blue-green agent's working state means for pods, Services and its status entry. Pure.
import { SAFETY_REQUEUE_MS } from '../plan.js';
import { readyPods, trackReady } from '../track-health.js';
import {
  type BlueGreenTraffic,
  type Color,
  inPreview,
  previewColor,
  previewReplicas,
  type Work,
} from './types.js';

const COLORS = ['blue', 'green'] as const;

/** Pods per color: the active one at full size, the other as preview, kept old color, or none. */
export function colorPlans(w: Work): BlueGreenTraffic['colors'] {
  const total = w.obs.totalReplicas;
  const o = previewColor(w);
  const oldAlive = !inPreview(w) && w.st.scaleDownAt !== undefined;
  const plan = (c: Color, replicas: number) => ({
    ...(w.versions[c] ? { version: w.versions[c] } : {}),
    replicas,
  });
  return {
    [w.active]: plan(w.active, total),
    [o]: plan(o, inPreview(w) ? previewReplicas(w) : oldAlive ? total : 0),
  } as BlueGreenTraffic['colors'];
}

/** The agent's phase, message and pod counts; a wait while the active color is not Ready. */
export function settleStatus(w: Work): void {
  const { st, obs, active } = w;
  const total = obs.totalReplicas;
  const dep = (c: Color) => obs.deployments[c];
  const oldAlive = !inPreview(w) && st.scaleDownAt !== undefined;
  const activeReady = trackReady(dep(active), w.versions[active] ?? '', total);
  st.colorVersions = w.versions;
  st.stableVersion = w.versions[active];
  st.phase = w.rolledBack ? 'Degraded' : inPreview(w) || !activeReady ? 'Progressing' : 'Ready';
  if (st.phase === 'Ready' && !oldAlive) st.message = `running ${w.versions[active]} on ${active}`;
  if (st.phase === 'Progressing' && !inPreview(w)) {
    st.message = `waiting for ${active} (${w.versions[active]}): ${readyPods(dep(active))}/${total} Ready`;
    w.waits.push(SAFETY_REQUEUE_MS);
  }
  st.replicas = COLORS.reduce((n, c) => n + (dep(c)?.spec?.replicas ?? 0), 0);
  st.readyReplicas = COLORS.reduce((n, c) => n + readyPods(dep(c)), 0);
  const desired = obs.agent.version;
  st.updatedReplicas = COLORS.filter((c) => w.versions[c] === desired).reduce(
    (n, c) => n + readyPods(dep(c)),
    0,
  );
}

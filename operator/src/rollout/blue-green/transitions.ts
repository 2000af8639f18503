// The transitions of a blue-green agent. Each one changes the working state and records its event; the
// steps in decide.ts (manual control, the desired version, the preview's verdict, the scale-down timer)
// decide when they happen.
import { stamp } from '../../analysis/run.js';
import type { FailureCause, PlannedEvent } from '../plan.js';
import { type Color, desiredOf, inPreview, previewColor, type Work } from './types.js';

export function event(w: Work, type: PlannedEvent['type'], reason: string, message: string): void {
  w.events.push({ type, reason, message });
}

function setActive(w: Work, color: Color): void {
  w.active = color;
  w.st.activeColor = color;
  w.st.previewColor = color;
  w.st.switchedAt = stamp(w.now);
}

/** The other color comes up with the desired version behind the preview Service. */
export function startPreview(w: Work): void {
  const desired = desiredOf(w);
  const color = previewColor(w);
  const replaced = inPreview(w) ? ` (replaces preview of ${w.versions[color]})` : '';
  w.versions[color] = desired;
  w.st.previewColor = color;
  delete w.st.scaleDownAt; // the old color is reused for the new version
  w.st.analysisRuns = [];
  event(
    w,
    'Normal',
    'PreviewStarted',
    `bringing up ${desired} on ${color} behind the preview Service${replaced}`,
  );
}

/** The army asks for the active version again: the preview goes, nothing to remember. */
export function cancelPreview(w: Work): void {
  w.st.previewColor = w.active;
  w.st.message = `preview of ${w.versions[previewColor(w)]} cancelled: the army asks for ${desiredOf(w)} again`;
  event(w, 'Normal', 'PreviewCancelled', w.st.message);
}

/** A failure before the switch: traffic stays, the preview color scales down. */
export function rollbackPreview(w: Work, cause: FailureCause, detail: string): void {
  const other = previewColor(w);
  w.st.previewColor = w.active;
  w.rolledBack = true;
  w.st.message = `${cause}: ${detail}; traffic stays on ${w.active} (${w.versions[w.active]}), ${other} scaled down`;
  event(w, 'Warning', 'RolledBack', `${w.versions[other]} not promoted (${cause}): ${detail}`);
}

/** The active Service moves to the preview color; the old one stays for scaleDownDelaySeconds. */
export function switchToPreview(w: Work): void {
  const old = w.active;
  const color = previewColor(w);
  setActive(w, color);
  w.st.scaleDownAt = stamp(new Date(w.now.getTime() + w.bg.scaleDownDelaySeconds * 1000));
  w.st.message = `active Service switched to ${color} (${desiredOf(w)})`;
  const how = w.approved ? ' on promote' : '';
  event(
    w,
    'Normal',
    'Switched',
    `${w.st.message}${how}; ${old} (${w.versions[old]}) kept until ${w.st.scaleDownAt}`,
  );
}

/** Abort after the switch, while the old color still runs: straight back to it. */
export function switchBack(w: Work): void {
  const from = w.active;
  setActive(w, previewColor(w));
  delete w.st.scaleDownAt;
  w.rolledBack = true;
  w.st.message = `Aborted: switched back from ${from} (${w.versions[from]}) to ${w.active} (${w.versions[w.active]})`;
  event(w, 'Warning', 'RolledBack', w.st.message);
}

/** After a switch, the old color goes to zero once its delay is over. */
export function scaleDownOldColor(w: Work): void {
  if (inPreview(w) || w.st.scaleDownAt === undefined) return;
  const left = Date.parse(w.st.scaleDownAt) - w.now.getTime();
  if (left > 0) {
    w.waits.push(left);
    return;
  }
  delete w.st.scaleDownAt;
  event(w, 'Normal', 'ScaledDown', `${previewColor(w)} (${w.versions[previewColor(w)]}) scaled to zero`);
}

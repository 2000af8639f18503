// decideBlueGreen: the blue-green state machine of one agent as a pure function of the observation and
// the clock. A version change brings the other color up behind the preview Service; once Ready (and
// analysed) the active Service switches; the old color stays for scaleDownDelaySeconds, then goes to
// zero. A failure before the switch leaves traffic alone and scales the new color down; abort after the
// switch, while the old color still runs, switches straight back.
import {
  type AgentStatus,
  type AnalysisRunStatus,
  BlueGreenStrategy,
  type ControlResult,
  parseDuration,
} from '../../api/v1alpha1/index.js';
import { describeMeasurements, measurementDue, mergeRun, SAFETY_REQUEUE_MS } from '../canary/steps.js';
import { MAX_RUNS, stamp } from '../canary/transitions.js';
import type { AnalysisRequest, FailureCause, PlannedEvent } from '../canary/types.js';
import { progressDeadlineExceeded, readyPods, runningVersionName, trackReady } from '../track-health.js';
import { type BlueGreenObserved, type BlueGreenPlan, type Color, otherColor } from './types.js';

type Verdict = 'ok' | 'wait' | 'human' | 'failed';

export function decideBlueGreen(obs: BlueGreenObserved, now: Date): BlueGreenPlan {
  const bg = obs.agent.strategy.blueGreen ?? BlueGreenStrategy.parse({});
  const desired = obs.agent.version;
  const total = obs.totalReplicas;
  const prev = obs.previous;
  const events: PlannedEvent[] = [];
  const waits: number[] = [];
  let measure: AnalysisRequest | undefined;
  let lastControl: ControlResult | undefined;
  const st: AgentStatus = structuredClone(
    prev ?? { name: obs.agent.name, phase: 'Pending', readyReplicas: 0 },
  );
  st.name = obs.agent.name;
  st.desiredVersion = desired;
  const versions: Partial<Record<Color, string>> = { ...st.colorVersions };
  const dep = (c: Color) => obs.deployments[c];
  const event = (type: PlannedEvent['type'], reason: string, message: string) =>
    events.push({ type, reason, message });

  // Where traffic is: status first; a lost status falls back to the live Service; else a first rollout.
  let active: Color = st.activeColor ?? obs.activeServiceColor ?? 'blue';
  if (versions[active] === undefined) {
    versions[active] = st.activeColor ? desired : (runningVersionName(dep(active)) ?? desired);
    st.previewColor = active;
  }
  st.activeColor = active;
  const other = () => otherColor(active);
  const inPreview = () => st.previewColor === other();
  const previewWant = bg.previewReplicas ?? total;
  let rolledBack =
    st.phase === 'Degraded' && !inPreview() && versions[other()] === desired && desired !== versions[active];
  let approved = false;

  const rollbackPreview = (cause: FailureCause, detail: string) => {
    st.previewColor = active;
    rolledBack = true;
    st.message = `${cause}: ${detail}; traffic stays on ${active} (${versions[active]}), ${other()} scaled down`;
    event('Warning', 'RolledBack', `${versions[other()]} not promoted (${cause}): ${detail}`);
  };
  const switchBack = () => {
    const from = active;
    active = other();
    st.activeColor = active;
    st.previewColor = active;
    st.switchedAt = stamp(now);
    delete st.scaleDownAt;
    rolledBack = true;
    st.message = `Aborted: switched back from ${from} (${versions[from]}) to ${active} (${versions[active]})`;
    event('Warning', 'RolledBack', st.message);
  };

  // 1. Manual control addressed to this agent, once per request id.
  const c = obs.control;
  if (c && c.agent === obs.agent.name && obs.lastControl?.id !== c.id) {
    let outcome: ControlResult['outcome'] = 'Applied';
    let message: string | undefined;
    if (c.action === 'promote' || c.action === 'promoteFull') {
      if (!inPreview()) [outcome, message] = ['Ignored', 'no preview waiting for promotion'];
      else if (!trackReady(dep(other()), versions[other()] ?? '', previewWant))
        [outcome, message] = ['Rejected', `preview ${other()} (${versions[other()]}) is not Ready`];
      else approved = true;
    } else if (c.action === 'abort') {
      if (inPreview()) rollbackPreview('Aborted', 'aborted by control request');
      else if (st.scaleDownAt !== undefined) switchBack();
      else
        [outcome, message] = [
          'Ignored',
          'nothing to abort: no preview and the old color is already scaled down',
        ];
    } else if (c.action === 'retry') {
      if (rolledBack) rolledBack = false;
      else [outcome, message] = ['Ignored', 'nothing was rolled back'];
    } else {
      [outcome, message] = ['Rejected', 'blue-green cannot pause; set autoPromote: false to hold the switch'];
    }
    lastControl = {
      id: c.id,
      action: c.action,
      outcome,
      ...(message ? { message } : {}),
      handledAt: stamp(now),
    };
    events.unshift({
      type: outcome === 'Rejected' ? 'Warning' : 'Normal',
      reason: `Control${outcome}`,
      message: `${c.action} of agent ${obs.agent.name} (request ${c.id}): ${outcome}${message ? `: ${message}` : ''}`,
    });
  }

  // 2. The desired version: cancel, keep, or (re)start a preview.
  if (desired === versions[active]) {
    if (inPreview()) {
      st.previewColor = active;
      st.message = `preview of ${versions[other()]} cancelled: the army asks for ${desired} again`;
      event('Normal', 'PreviewCancelled', st.message);
    }
    rolledBack = false;
  } else if (!(inPreview() && versions[other()] === desired) && !rolledBack) {
    const replaced = inPreview() ? ` (replaces preview of ${versions[other()]})` : '';
    versions[other()] = desired;
    st.previewColor = other();
    delete st.scaleDownAt; // the old color is reused for the new version
    st.analysisRuns = [];
    event(
      'Normal',
      'PreviewStarted',
      `bringing up ${desired} on ${other()} behind the preview Service${replaced}`,
    );
  }

  // 3. The preview: health, readiness, analysis, then the switch.
  if (inPreview()) {
    const color = other();
    const verdict = judgePreview();
    if (verdict !== 'failed' && (approved || (verdict === 'ok' && bg.autoPromote))) {
      const old = active;
      active = color;
      st.activeColor = color;
      st.previewColor = color;
      st.switchedAt = stamp(now);
      st.scaleDownAt = stamp(new Date(now.getTime() + bg.scaleDownDelaySeconds * 1000));
      st.message = `active Service switched to ${color} (${desired})`;
      event(
        'Normal',
        'Switched',
        `${st.message}${approved ? ' on promote' : ''}; ${old} (${versions[old]}) kept until ${st.scaleDownAt}`,
      );
    }
  }

  // 4. After a switch, the old color goes to zero once its delay is over.
  if (!inPreview() && st.scaleDownAt !== undefined) {
    const left = Date.parse(st.scaleDownAt) - now.getTime();
    if (left <= 0) {
      delete st.scaleDownAt;
      event('Normal', 'ScaledDown', `${other()} (${versions[other()]}) scaled to zero`);
    } else waits.push(left);
  }

  function judgePreview(): Verdict {
    const color = other();
    const d = dep(color);
    if (obs.previewCrashLooping) {
      rollbackPreview('CrashLoop', obs.previewCrashMessage ?? `pods of ${desired} crash-loop`);
      return 'failed';
    }
    if (progressDeadlineExceeded(d, desired)) {
      rollbackPreview(
        'ProgressDeadlineExceeded',
        `${color} not Ready within its progress deadline (${readyPods(d)}/${previewWant} Ready)`,
      );
      return 'failed';
    }
    if (!trackReady(d, desired, previewWant)) {
      st.message = `waiting for preview ${color} (${desired}): ${readyPods(d)}/${previewWant} Ready`;
      waits.push(SAFETY_REQUEUE_MS);
      return 'wait';
    }
    const spec = bg.prePromotionAnalysis;
    const hold = bg.autoPromote ? '' : '; waiting for promote';
    if (!spec) {
      st.message = `preview ${color} (${desired}) Ready${hold}`;
      return 'ok';
    }
    const runs = [...(st.analysisRuns ?? [])];
    let idx = runs.findLastIndex((r) => r.stepIndex === -1 && r.version === desired);
    if (idx < 0) {
      const fresh: AnalysisRunStatus = {
        stepIndex: -1,
        version: desired,
        phase: 'Running',
        startedAt: stamp(now),
        successful: 0,
        failed: 0,
        inconclusive: 0,
        errors: 0,
        consecutiveErrors: 0,
        measurements: [],
      };
      runs.push(fresh);
      idx = runs.length - 1;
    }
    const stored = runs[idx] as AnalysisRunStatus;
    const run = mergeRun(stored, obs.analysis);
    runs[idx] = run;
    st.analysisRuns = runs.slice(-MAX_RUNS);
    const ended = stored.phase === 'Running' && run.phase !== 'Running'; // events only on that transition
    const detail = (r: Parameters<typeof describeMeasurements>[1]) =>
      `pre-promotion analysis: ${describeMeasurements(run, r)}`;
    switch (run.phase) {
      case 'Running': {
        const interval = parseDuration(spec.interval);
        const due = measurementDue(run, interval);
        if (now.getTime() >= due) {
          measure = { stepIndex: -1, spec, run, version: desired, baselineVersion: versions[active] };
          waits.push(interval);
        } else waits.push(due - now.getTime());
        st.message = `analysing preview ${color} (${desired}): ${run.measurements.length}/${spec.count} measurements`;
        return 'wait';
      }
      case 'Successful':
        if (run.successful > 0) {
          st.message = `preview ${color} (${desired}) passed analysis${hold}`;
          return 'ok';
        }
        break; // never promote without data
      case 'Failed':
        if (ended) event('Warning', 'AnalysisFailed', detail('Fail'));
        rollbackPreview('AnalysisFailed', detail('Fail'));
        return 'failed';
      case 'Error':
        if (ended) event('Warning', 'AnalysisError', detail('Error'));
        if (spec.consecutiveErrorAction === 'Rollback') {
          rollbackPreview('AnalysisError', detail('Error'));
          return 'failed';
        }
        break;
      case 'Inconclusive':
        if (ended) event('Warning', 'AnalysisInconclusive', detail('Inconclusive'));
        break;
    }
    st.message = `${detail(run.phase === 'Error' ? 'Error' : 'Inconclusive')}; promote or abort`;
    return 'human';
  }

  // 5. Outcome: pods per color, Service selectors, status.
  const o = other();
  const oldAlive = !inPreview() && st.scaleDownAt !== undefined;
  const colors = {
    [active]: { ...(versions[active] ? { version: versions[active] } : {}), replicas: total },
    [o]: {
      ...(versions[o] ? { version: versions[o] } : {}),
      replicas: inPreview() ? previewWant : oldAlive ? total : 0,
    },
  } as BlueGreenPlan['colors'];
  const activeReady = trackReady(dep(active), versions[active] ?? '', total);
  st.colorVersions = versions;
  st.stableVersion = versions[active];
  st.phase = rolledBack ? 'Degraded' : inPreview() || !activeReady ? 'Progressing' : 'Ready';
  if (st.phase === 'Ready' && !oldAlive) st.message = `running ${versions[active]} on ${active}`;
  if (st.phase === 'Progressing' && !inPreview()) {
    st.message = `waiting for ${active} (${versions[active]}): ${readyPods(dep(active))}/${total} Ready`;
    waits.push(SAFETY_REQUEUE_MS);
  }
  st.replicas = (dep('blue')?.spec?.replicas ?? 0) + (dep('green')?.spec?.replicas ?? 0);
  st.readyReplicas = readyPods(dep('blue')) + readyPods(dep('green'));
  const atDesired = (['blue', 'green'] as const).filter((c) => versions[c] === desired);
  st.updatedReplicas = atDesired.reduce((n, c) => n + readyPods(dep(c)), 0);
  const requeue = waits.length > 0 ? Math.max(500, Math.min(SAFETY_REQUEUE_MS, ...waits)) : undefined;
  return {
    status: st,
    colors,
    services: { active, preview: st.previewColor ?? active },
    events,
    ...(requeue !== undefined ? { requeueAfterMs: requeue } : {}),
    measureNow: measure !== undefined,
    ...(measure ? { analysis: measure } : {}),
    ...(lastControl ? { lastControl } : {}),
    ...(rolledBack
      ? { problem: { reason: 'RolledBack' as const, message: st.message ?? 'rolled back' } }
      : {}),
  };
}

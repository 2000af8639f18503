// The release page's data: summary, the step list with the current step, the weight timeline, one chart
// per analysis metric, the release's Events, the control buttons that make sense in its phase and the
// operator's answer to the last request. Pure.
import type { CanaryRelease, ControlAction, ControlResult } from '../../api/v1alpha1/index.js';
import { describeStep, isActive } from '../../rollout/canary/transitions.js';
import type { KubeEvent } from './cluster-state.js';
import { type MetricChart, metricCharts } from './metric-charts.js';
import { diffHref, type ReleaseRow, releaseRow } from './overview-model.js';
import { type WeightPoint, weightTimeline } from './weight-timeline.js';

export interface StepRow {
  index: number;
  label: string;
  state: 'done' | 'current' | 'pending';
}

export interface ActionButton {
  action: ControlAction;
  label: string;
  /** What the button does, for its accessible description. */
  description: string;
  enabled: boolean;
}

export interface EventRow {
  type: string;
  reason: string;
  message: string;
  count: number;
  time: string;
}

export interface ReleaseModel {
  summary: ReleaseRow & {
    pausedAt: string;
    startedAt: string;
    finishedAt: string;
    lastControl: ControlResult | undefined;
    /** A request the operator has not answered yet. */
    pendingControl: { id: string; action: ControlAction } | undefined;
  };
  steps: StepRow[];
  timeline: WeightPoint[];
  charts: MetricChart[];
  events: EventRow[];
  actions: ActionButton[];
  diffHref: string | undefined;
}

const ACTIONS: Array<Omit<ActionButton, 'enabled'>> = [
  { action: 'promote', label: 'Promote', description: 'finish the current pause or step' },
  { action: 'promoteFull', label: 'Promote full', description: 'skip all remaining steps' },
  { action: 'abort', label: 'Abort', description: 'roll back now: weight 0, canary scaled down' },
  { action: 'retry', label: 'Retry', description: 'restart a rolled-back release' },
  { action: 'pause', label: 'Pause', description: 'hold at the current step' },
  { action: 'resume', label: 'Resume', description: 'continue after a pause' },
];

/** Whether the operator would act on `action` now (mirrors rollout/canary/control.ts). */
export function actionAvailable(release: CanaryRelease, action: ControlAction): boolean {
  const s = release.status;
  if (!s) return false;
  const promoting = (s.currentStepIndex ?? 0) >= release.spec.steps.length;
  switch (action) {
    case 'promote':
    case 'promoteFull':
      return isActive(s) && !promoting;
    case 'abort':
      return isActive(s);
    case 'pause':
      return isActive(s) && s.phase === 'Progressing' && !promoting;
    case 'resume':
      return isActive(s) && s.phase === 'Paused';
    case 'retry':
      return s.phase === 'RolledBack';
  }
}

export function releaseModel(input: {
  release: CanaryRelease;
  events: KubeEvent[];
  observedWeights: WeightPoint[];
  now: Date;
}): ReleaseModel {
  const { release } = input;
  const s = release.status;
  const current = s?.currentStepIndex;
  const finished = s?.phase === 'Promoted';
  const control = s?.control;
  return {
    summary: {
      ...releaseRow(release),
      pausedAt: s?.phase === 'Paused' ? (s.pausedAt ?? '') : '',
      startedAt: s?.startedAt ?? '',
      finishedAt: s?.finishedAt ?? '',
      lastControl: s?.lastControl,
      pendingControl:
        control && control.id !== s?.lastControl?.id ? { id: control.id, action: control.action } : undefined,
    },
    steps: release.spec.steps.map((step, index) => ({
      index,
      label: describeStep(step),
      state:
        finished || (current !== undefined && index < current)
          ? 'done'
          : index === current && s?.phase !== 'Idle'
            ? 'current'
            : 'pending',
    })),
    timeline: weightTimeline(release, input.observedWeights, input.now),
    charts: metricCharts(release),
    events: input.events.map((e) => ({
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
      time: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '',
    })),
    actions: ACTIONS.map((a) => ({ ...a, enabled: actionAvailable(release, a.action) })),
    diffHref: diffHref(release.metadata.namespace ?? '', s?.fromVersion, s?.toVersion),
  };
}

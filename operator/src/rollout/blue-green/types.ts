// Inputs and outputs of the blue-green strategy (decide.ts), and the working state of one decide call.
import type { V1Deployment } from '@kubernetes/client-node';
import type { MeasurementRequest } from '../../analysis/pipeline.js';
import type {
  Agent,
  AgentStatus,
  AnalysisRunStatus,
  BlueGreenStrategy,
  ControlRequest,
  ControlResult,
} from '../../api/v1alpha1/index.js';
import type { PlannedEvent, RolloutPlan } from '../plan.js';

export type Color = 'blue' | 'green';
export const otherColor = (c: Color): Color => (c === 'blue' ? 'green' : 'blue');

/** What the AgentArmy reconciler observed for one agent with strategy BlueGreen. */
export interface BlueGreenObserved {
  /** The agent's spec entry: `version` is the desired AgentVersion name, strategy.blueGreen the knobs. */
  agent: Agent;
  /** This agent's entry of the army's current status.agents (all blue-green progress lives there). */
  previous: AgentStatus | undefined;
  /** Pods of the agent (its fixed `replicas`). */
  totalReplicas: number;
  /** The live `<army>-<agent>-blue` / `-green` Deployments. */
  deployments: Partial<Record<Color, V1Deployment>>;
  /**
   * The track the live active Service `<army>-<agent>` selects, if it exists (the Service selector
   * router's status). Only read when the status lost its activeColor, so traffic never moves because
   * status was cleared.
   */
  activeServiceColor?: Color;
  /** From crashLoop(pods of the preview color, desired version). */
  previewCrashLooping?: boolean;
  previewCrashMessage?: string;
  /** The analysis engine's latest assessment of the pre-promotion run (stepIndex -1). */
  analysis?: AnalysisRunStatus;
  /** The army's status.control and status.lastControl; handled here when control.agent is this agent. */
  control?: ControlRequest;
  lastControl?: ControlResult;
}

export interface ColorPlan {
  /** AgentVersion name the color's Deployment runs; absent when the color was never used. */
  version?: string;
  replicas: number;
}

export interface BlueGreenTraffic {
  colors: Record<Color, ColorPlan>;
  /** Track each Service selects: active `<army>-<agent>`, preview `<army>-<agent>-preview`. */
  services: { active: Color; preview: Color };
}

export interface BlueGreenPlan extends RolloutPlan<AgentStatus, BlueGreenTraffic> {
  /** Set when this agent handled the army's control request: write it to the army's status.lastControl. */
  lastControl?: ControlResult;
  /** Present while the agent is rolled back: the army's Degraded condition reason and message. */
  problem?: { reason: 'RolledBack'; message: string };
}

/** The working state of one decide call; the step functions read and change it in order. */
export interface Work {
  obs: BlueGreenObserved;
  bg: BlueGreenStrategy;
  now: Date;
  /** The agent's status entry being built. */
  st: AgentStatus;
  /** The AgentVersion each color runs (becomes st.colorVersions). */
  versions: Partial<Record<Color, string>>;
  /** The color the active Service selects. */
  active: Color;
  /** The new version was not promoted (or the switch was undone); stays until the spec moves. */
  rolledBack: boolean;
  /** A promote request approved the switch in this pass. */
  approved: boolean;
  events: PlannedEvent[];
  /** Candidate requeue delays, ms. */
  waits: number[];
  measurement?: MeasurementRequest;
  lastControl?: ControlResult;
}

export const desiredOf = (w: Work): string => w.obs.agent.version;
export const previewColor = (w: Work): Color => otherColor(w.active);
export const inPreview = (w: Work): boolean => w.st.previewColor === previewColor(w);
/** Pods of the preview color before the switch. */
export const previewReplicas = (w: Work): number => w.bg.previewReplicas ?? w.obs.totalReplicas;

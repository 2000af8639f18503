// Inputs and outputs of the blue-green decide layer (blue-green-decide.ts).
import type { V1Deployment } from '@kubernetes/client-node';
import type {
  Agent,
  AgentStatus,
  AnalysisRunStatus,
  ControlRequest,
  ControlResult,
} from '../../api/v1alpha1/index.js';
import type { AnalysisRequest, PlannedEvent } from '../canary/types.js';

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
   * The track the live active Service `<army>-<agent>` selects, if it exists. Only read when the status
   * lost its activeColor, so traffic never moves because status was cleared.
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

export interface BlueGreenPlan {
  /** The agent's new status entry (activeColor, previewColor, colorVersions, switchedAt, scaleDownAt…). */
  status: AgentStatus;
  colors: Record<Color, ColorPlan>;
  /** Track each Service selects: active `<army>-<agent>`, preview `<army>-<agent>-preview`. */
  services: { active: Color; preview: Color };
  events: PlannedEvent[];
  requeueAfterMs?: number;
  measureNow: boolean;
  analysis?: AnalysisRequest;
  /** Set when this agent handled the army's control request: write it to the army's status.lastControl. */
  lastControl?: ControlResult;
  /** Present while the agent is rolled back: the army's Degraded condition reason and message. */
  problem?: { reason: 'RolledBack'; message: string };
}

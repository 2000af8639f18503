// Inputs and outputs of the canary strategy (decide.ts). Schema types come from the API's zod
// schemas; only the shapes that exist nowhere else are written here.
import type { V1Deployment } from '@kubernetes/client-node';
import type { AnalysisRunStatus, CanaryRelease, CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
import type { RolloutPlan } from '../plan.js';
import type { TrafficMode } from '../traffic/replica-math.js';

/** What the reconciler observed for one CanaryRelease this pass. */
export interface CanaryObserved {
  /** The release as read (spec parsed, so defaults apply); its status holds all progress. */
  release: CanaryRelease;
  /** AgentVersion name the army spec asks for (spec.agents[name=agent].version). */
  desiredVersion: string;
  /**
   * AgentVersion name the stable Deployment runs (runningVersionName of `<army>-<agent>`, else the
   * army's status stableVersion); undefined when the agent has never run.
   */
  stableVersion: string | undefined;
  /** The model the canary's AgentVersion (status.toVersion as read) asks for: its spec.model.name. */
  canaryModel?: { version: string; model: string };
  /** Pods of the agent: its fixed `replicas`, or with autoscaling the stable track's current (HPA) count. */
  totalReplicas: number;
  /** Set when an HPA sizes the stable track: its maxReplicas, the most pods the canary gets. */
  autoscaledMax?: number;
  canary: {
    /** The live `<army>-<agent>-canary` Deployment. */
    deployment: V1Deployment | undefined;
    /** From crashLoop(pods of the canary track, toVersion). */
    crashLooping: boolean;
    crashMessage?: string;
  };
  /** The live `<army>-<agent>` Deployment (read while the stable track rolls to the promoted version). */
  stable: { deployment: V1Deployment | undefined };
  /**
   * The analysis engine's latest assessment of the current analysis run (the `analysis.run` of the
   * previous plan with a measurement added). Ignored unless it matches that run (stepIndex, version,
   * startedAt) and is not older than the copy in status.
   */
  analysis?: AnalysisRunStatus;
  /**
   * Whether each version that may be the canary this pass (status.toVersion as read, and desiredVersion,
   * which a release starting now takes) has spec.judge, by AgentVersion name; a name missing was not found.
   */
  judged?: Record<string, boolean>;
  /** The evaluation Job of the current evaluation step's run, when one runs (reconciler: evaluation.ts). */
  evaluation?: EvaluationObserved;
  /** spec.lockstep: the other members of the group as the cache holds them (lockstep.ts). */
  group?: GroupObserved;
}

/** One other member of a lockstep group: its spec's shape and its status, read from the cache. */
export interface GroupMember {
  /** The member's CanaryRelease name. */
  name: string;
  agent: string;
  /** Its spec.steps.length. */
  steps: number;
  status: CanaryReleaseStatus | undefined;
  /** The version the army asks for its agent, and the one its stable track runs (as for the release). */
  desiredVersion: string | undefined;
  stableVersion: string | undefined;
}

/** The lockstep group of a release: its name and the other members (never the release itself). */
export interface GroupObserved {
  name: string;
  members: GroupMember[];
}

/** What the reconciler saw of the evaluation Job it was asked for (by name). */
export interface EvaluationObserved {
  jobName: string;
  /** Absent when the Job is not in the cache (not created yet, or gone). */
  job?: {
    /** The Job's final condition, when it has one. */
    finished?: 'Complete' | 'Failed';
    reason?: string;
    message?: string;
  };
  /** The `evaluate` container's termination message, read once the Job finished. */
  terminationMessage?: string;
  /** Why the Job cannot run (the dataset ConfigMap or its key is missing), checked before creating it. */
  problem?: string;
}

/** The evaluation Job the reconciler must create (it renders it from the versions and the army). */
export interface EvaluationJobRequest {
  stepIndex: number;
  name: string;
}

/** Where traffic and pods should be after this pass. */
export interface CanaryTraffic {
  mode: TrafficMode;
  /** AgentVersion of the stable Deployment `<army>-<agent>`. */
  stableVersion: string;
  /** AgentVersion of the canary Deployment; absent when there is no canary Deployment at all. */
  canaryVersion?: string;
  /** Weight to write: HTTPRoute weight (gatewayAPI) or the split asked of the pods (replicas). */
  weight: number;
  /** Weight the pods really serve (replicas mode rounds; see replica-math.ts). */
  effectiveWeight: number;
  replicas: { stable: number; canary: number };
  /** Route header cohorts to the canary (gatewayAPI with cohorts, while the canary runs). */
  cohortsToCanary: boolean;
  /**
   * A `mirror` step runs: copy this percentage of the requests to the canary (gatewayAPI only), whose
   * pods are shadow (they do not call side-effect tools); weight is 0.
   */
  mirrorPercent?: number;
}

/** The plan of one pass (rollout/plan.ts): the new status, pods and traffic, events, the tick due now. */
export type CanaryPlan = RolloutPlan<CanaryReleaseStatus, CanaryTraffic> & {
  /** Create this evaluation Job (absent from the cache while its step runs). */
  evaluationJob?: EvaluationJobRequest;
};

export type { FailureCause, PlannedEvent } from '../plan.js';

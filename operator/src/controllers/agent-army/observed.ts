// What the AgentArmy reconciler reads before it decides: the army, the AgentVersions of its namespace,
// the config ConfigMaps of the versions it may render, and the children it owns. Built by observe.ts from
// the informer caches; decide.ts is a pure function of this and the clock.
import type {
  V1ConfigMap,
  V1Deployment,
  V1Pod,
  V1PodDisruptionBudget,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { AgentArmy, AgentVersion, AnalysisRunStatus, CanaryRelease } from '../../api/v1alpha1/index.js';
import type { VersionConfig } from '../../rollout/render/render-config.js';

export interface ObservedChildren {
  deployments: ReadonlyMap<string, V1Deployment>;
  configMaps: ReadonlyMap<string, V1ConfigMap>;
  services: ReadonlyMap<string, V1Service>;
  hpas: ReadonlyMap<string, V2HorizontalPodAutoscaler>;
  pdbs: ReadonlyMap<string, V1PodDisruptionBudget>;
}

export interface ObservedArmy {
  army: AgentArmy;
  /** Valid AgentVersions of the army's namespace by name. */
  versions: ReadonlyMap<string, AgentVersion>;
  /** AgentVersions that exist but fail validation: name → the problem, naming the field. */
  invalidVersions: ReadonlyMap<string, string>;
  /**
   * Config ConfigMaps (name and file hash) of the versions this army may render, by AgentVersion name;
   * a version whose ConfigMap the AgentVersion controller has not written yet is absent.
   */
  configs: ReadonlyMap<string, VersionConfig>;
  /** Valid CanaryReleases of the army's namespace by name; invalid ones: name → the problem. */
  releases: ReadonlyMap<string, CanaryRelease>;
  invalidReleases: ReadonlyMap<string, string>;
  /** Children owned by this army, by object name. */
  children: ObservedChildren;
  /** Pods of this army's agents, slimmed: why they cannot start (status, Events), preview crash loops. */
  pods?: readonly V1Pod[];
  /**
   * Blue-green: pre-promotion analysis runs re-assessed with the measurement the reconciler just took, by
   * agent name (absent on the first decide of a reconcile).
   */
  analyses?: ReadonlyMap<string, AnalysisRunStatus>;
}

// REST descriptors of the agentarmy.dev kinds, derived from the API constants (one source of names).
import { GROUP, KINDS, VERSION } from '../api/v1alpha1/index.js';
import type { ResourceType } from '../kube/resource.js';

const crd = (k: (typeof KINDS)[keyof typeof KINDS]): ResourceType => ({
  group: GROUP,
  version: VERSION,
  kind: k.kind,
  plural: k.plural,
  namespaced: true,
});

export const agentArmyType = crd(KINDS.AgentArmy);
export const agentVersionType = crd(KINDS.AgentVersion);
export const canaryReleaseType = crd(KINDS.CanaryRelease);

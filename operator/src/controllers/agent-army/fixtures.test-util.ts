// Fixtures for the AgentArmy controller's unit tests, parsed through the real zod schemas so defaults
// apply exactly as they do for objects read from the cluster.
import type { V1Deployment } from '@kubernetes/client-node';
import { AgentArmy, type AgentVersion } from '../../api/v1alpha1/index.js';
import { configOf } from '../../rollout/fixtures.test-util.js';
import { ANNOTATION } from '../../rollout/labels.js';
import type { ObservedArmy } from './observed.js';

export { configOf, version } from '../../rollout/fixtures.test-util.js';

export function army(agents: Record<string, unknown>[], status?: Record<string, unknown>): AgentArmy {
  return AgentArmy.parse({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name: 'support', namespace: 'team', generation: 3, uid: 'army-uid' },
    spec: { agents },
    ...(status ? { status } : {}),
  });
}

/** A live Deployment as the apiserver and controller-manager would report it. */
export function liveDeployment(
  avName: string,
  replicas: number,
  ready: number,
  generation = 1,
): V1Deployment {
  return {
    metadata: {
      name: 'support-orchestrator',
      generation,
      annotations: { [ANNOTATION.agentVersion]: avName },
    },
    spec: { replicas, selector: {}, template: {} },
    status: {
      observedGeneration: generation,
      replicas,
      updatedReplicas: ready,
      readyReplicas: ready,
      availableReplicas: ready,
    },
  };
}

/** What an army reconcile observes; every version's config ConfigMap is there unless listed as `pending`. */
export function observed(
  a: AgentArmy,
  versions: AgentVersion[],
  deployments: V1Deployment[] = [],
  pending: string[] = [],
): ObservedArmy {
  return {
    army: a,
    versions: new Map(versions.map((v) => [v.metadata.name ?? '', v])),
    invalidVersions: new Map(),
    releases: new Map(),
    invalidReleases: new Map(),
    configs: new Map(
      versions
        .filter((v) => !pending.includes(v.metadata.name ?? ''))
        .map((v) => [v.metadata.name ?? '', configOf(v)]),
    ),
    children: {
      deployments: new Map(deployments.map((d) => [d.metadata?.name ?? '', d])),
      configMaps: new Map(),
      services: new Map(),
      hpas: new Map(),
      pdbs: new Map(),
    },
  };
}

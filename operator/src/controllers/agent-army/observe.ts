// observe: everything the AgentArmy decision needs, read from the informer caches. Nothing is written.
import type { V1Pod } from '@kubernetes/client-node';
import type { AgentArmy, AgentVersion, CanaryRelease } from '../../api/v1alpha1/index.js';
import type { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/resource.js';
import { ownerUidIndex } from '../../kube/store.js';
import { LABEL } from '../../rollout/labels.js';
import {
  cachedVersionConfig,
  type VersionConfig,
  versionConfigName,
} from '../../rollout/render/render-config.js';
import { parseCachedArmy, parseCachedRelease, parseCachedVersion } from '../cached-parse.js';
import type { ObservedArmy, ObservedChildren } from './observed.js';

export interface ArmyInformers {
  armies: Informer<KubeObject>;
  versions: Informer<KubeObject>;
  releases: Informer<KubeObject>;
  deployments: Informer<KubeObject>;
  configMaps: Informer<KubeObject>;
  services: Informer<KubeObject>;
  hpas: Informer<KubeObject>;
  pdbs: Informer<KubeObject>;
  /** The operator's agent pods, slimmed (agent-pods.ts): why pods cannot start, crash loops of a preview. */
  pods: Informer<KubeObject>;
}

export type Observation =
  | { kind: 'gone' }
  | { kind: 'invalid'; raw: KubeObject; problems: string }
  | { kind: 'ok'; raw: KubeObject; observed: ObservedArmy };

/**
 * Children by name. The caches hold the JSON the server sent; client-node's V1 types describe it except
 * for timestamps (strings here, Date there), which the controller never reads from children.
 */
function byName<T>(objs: KubeObject[]): Map<string, T> {
  return new Map(objs.map((o) => [o.metadata?.name ?? '', o as unknown as T]));
}

export function observeChildren(inf: ArmyInformers, armyUid: string): ObservedChildren {
  const owned = <T>(i: Informer<KubeObject>) => byName<T>(i.store.byIndex(ownerUidIndex, armyUid));
  return {
    deployments: owned(inf.deployments),
    configMaps: owned(inf.configMaps),
    services: owned(inf.services),
    hpas: owned(inf.hpas),
    pdbs: owned(inf.pdbs),
  };
}

export function observeArmy(inf: ArmyInformers, namespace: string, name: string): Observation {
  const raw = inf.armies.store.get(namespace, name);
  if (!raw || raw.metadata?.deletionTimestamp) return { kind: 'gone' };
  const parsed = parseCachedArmy(raw);
  if (!parsed.ok) return { kind: 'invalid', raw, problems: parsed.error.message };
  const army: AgentArmy = parsed.value;

  const versions = new Map<string, AgentVersion>();
  const invalidVersions = new Map<string, string>();
  for (const obj of inf.versions.store.list({ namespace })) {
    const v = parseCachedVersion(obj);
    const vName = obj.metadata?.name ?? '';
    if (v.ok) versions.set(vName, v.value);
    else invalidVersions.set(vName, v.error.message);
  }

  const releases = new Map<string, CanaryRelease>();
  const invalidReleases = new Map<string, string>();
  for (const obj of inf.releases.store.list({ namespace })) {
    const r = parseCachedRelease(obj);
    if (r.ok) releases.set(obj.metadata?.name ?? '', r.value);
    else invalidReleases.set(obj.metadata?.name ?? '', r.error.message);
  }

  // Only the configs of versions this army may render: desired, running, and those of its releases.
  const configs = new Map<string, VersionConfig>();
  const children = observeChildren(inf, army.metadata.uid ?? '');
  const wanted = new Set(army.spec.agents.map((a) => a.version));
  for (const dep of children.deployments.values()) {
    const running = dep.metadata?.annotations?.['agentarmy.dev/agent-version'];
    if (running) wanted.add(running);
  }
  for (const r of releases.values()) {
    if (r.spec.targetRef.army !== name) continue;
    for (const v of [r.status?.fromVersion, r.status?.toVersion]) if (v) wanted.add(v);
  }
  for (const vName of wanted) {
    const av = versions.get(vName);
    const config =
      av && cachedVersionConfig(av, inf.configMaps.store.get(namespace, versionConfigName(vName)));
    if (config) configs.set(vName, config);
  }
  return {
    kind: 'ok',
    raw,
    observed: {
      army,
      versions,
      invalidVersions,
      releases,
      invalidReleases,
      configs,
      children,
      pods: inf.pods.store.list({
        namespace,
        labels: { [LABEL.army]: name },
      }) as unknown as V1Pod[],
    },
  };
}

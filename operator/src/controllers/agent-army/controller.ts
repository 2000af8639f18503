// Registers the AgentArmy controller: the army is the primary kind; its Deployments, Services, HPAs and
// PDBs are owned children (by controller ownerReference; ConfigMaps too, for pruning those of earlier
// operator versions); an AgentVersion or its config ConfigMap wakes every army of its namespace that
// names the version (desired or running).
import { metricsPolicyFrom, setMetricsPolicy } from '../../analysis/metrics-policy.js';
import type { AgentArmy, AgentVersion, CanaryRelease } from '../../api/v1alpha1/index.js';
import { type ControllerSpec, ownerRequests } from '../../kube/controller.js';
import type { Manager } from '../../kube/manager.js';
import { specOrMetadataChanged, type UpdatePredicate } from '../../kube/predicates.js';
import { coreTypes, type KubeObject } from '../../kube/resource.js';
import { StatusEchoes } from '../../kube/status-echoes.js';
import { ANNOTATION, LABEL, MANAGER } from '../../rollout/labels.js';
import { agentPodsInformer, podHealthChanged } from '../agent-pods.js';
import { agentArmyType, agentVersionType, canaryReleaseType } from '../resource-types.js';
import { AgentArmyReconciler } from './reconciler.js';

/** Armies (raw, cached) with an agent whose canaryReleaseRef names `release`. */
export function armiesNamingRelease(armies: KubeObject[], release: string): string[] {
  return armies
    .filter((a) =>
      (
        (a as { spec?: { agents?: { strategy?: { canary?: { canaryReleaseRef?: { name?: string } } } }[] } })
          .spec?.agents ?? []
      ).some((g) => g.strategy?.canary?.canaryReleaseRef?.name === release),
    )
    .map((a) => a.metadata?.name ?? '');
}

/** How long a child's event waits before it wakes its army (events meanwhile join it). */
export const CHILD_EVENT_DELAY_MS = 1000;

/** Children are cached only when the operator made them, which keeps the caches small. */
export const managedChildren = { labelSelector: { 'app.kubernetes.io/managed-by': MANAGER } };

/** Armies of the version's namespace that desire it or still run it. */
export function armiesUsingVersion(armies: KubeObject[], version: KubeObject) {
  const name = version.metadata?.name;
  const namespace = version.metadata?.namespace ?? '';
  return armies
    .filter((a) => {
      const army = a as Partial<AgentArmy>;
      return (
        army.spec?.agents?.some((agent) => agent.version === name) ||
        army.status?.agents?.some((s) => s.stableVersion === name)
      );
    })
    .map((a) => ({ namespace, name: a.metadata?.name ?? '' }));
}

function readyCondition(v: KubeObject) {
  return (v as Partial<AgentVersion>).status?.conditions?.find((c) => c.type === 'Ready');
}

/** True when an AgentVersion update changes what an army reads of it: spec, metadata or Ready. */
export const versionInputChanged: UpdatePredicate = (oldVersion, newVersion) => {
  if (specOrMetadataChanged(oldVersion, newVersion)) return true;
  const before = readyCondition(oldVersion);
  const after = readyCondition(newVersion);
  return before?.status !== after?.status || before?.message !== after?.message;
};

/** The controlling owner of a version's config ConfigMap. */
const versionOwner = { group: agentVersionType.group, kind: agentVersionType.kind };

/** True when a config ConfigMap's file hash changed (the only thing of it an army reads). */
export const configHashChanged: UpdatePredicate = (oldCm, newCm) =>
  oldCm.metadata?.annotations?.[ANNOTATION.configHash] !==
  newCm.metadata?.annotations?.[ANNOTATION.configHash];

export function agentArmyController(mgr: Manager): ControllerSpec {
  // What analysis may talk to: the operator's flags (process-wide; both controllers measure).
  setMetricsPolicy(metricsPolicyFrom(mgr.config));
  const informers = {
    armies: mgr.informer(agentArmyType),
    versions: mgr.informer(agentVersionType),
    releases: mgr.informer(canaryReleaseType),
    deployments: mgr.informer(coreTypes.deployment, managedChildren),
    configMaps: mgr.informer(coreTypes.configMap, managedChildren),
    services: mgr.informer(coreTypes.service, managedChildren),
    hpas: mgr.informer(coreTypes.hpa, managedChildren),
    pdbs: mgr.informer(coreTypes.pdb, managedChildren),
    pods: agentPodsInformer(mgr),
  };
  // The echo of a status write that needs no second look does not wake the army (status-echoes.ts).
  const echoes = new StatusEchoes();
  return {
    name: 'agentarmy',
    for: informers.armies,
    forPredicate: echoes.predicate,
    owns: [
      // Deployment status is what the army reports; the other children's status (an HPA's metrics every
      // 15 s, a PDB's healthy count) is never read, so only their spec and metadata wake the army.
      // A Deployment changes status several times while its pods start (and an army has one per agent),
      // and every child the army creates comes back as an add event: waiting a second turns such a burst
      // into one reconcile instead of one per event (a hand edit or deletion is mended a second later).
      { informer: informers.deployments, delayMs: CHILD_EVENT_DELAY_MS },
      ...[informers.configMaps, informers.services, informers.hpas, informers.pdbs].map((informer) => ({
        informer,
        predicate: specOrMetadataChanged,
        delayMs: CHILD_EVENT_DELAY_MS,
      })),
    ],
    watches: [
      {
        // A version's config ConfigMap (written by the AgentVersion controller): its arrival lets a waiting
        // agent render its pods, and a new hash (the referenced prompt changed) rolls them.
        informer: informers.configMaps,
        predicate: configHashChanged,
        delayMs: CHILD_EVENT_DELAY_MS,
        map: (cm) =>
          ownerRequests(cm, versionOwner).flatMap(({ namespace, name }) =>
            armiesUsingVersion(informers.armies.store.list({ namespace }), { metadata: { name, namespace } }),
          ),
      },
      {
        // Of a version's status the army reads only the Ready condition (a missing Secret or prompt); the
        // usedBy list changes as armies adopt the version and, unfiltered, each change would wake every
        // army that uses it.
        informer: informers.versions,
        predicate: versionInputChanged,
        map: (v) =>
          armiesUsingVersion(informers.armies.store.list({ namespace: v.metadata?.namespace ?? '' }), v),
      },
      {
        // A pod that cannot start (image, config, scheduling) is reported in the agent's status, and a
        // preview pod that starts crash-looping rolls the preview back.
        informer: informers.pods,
        predicate: podHealthChanged,
        delayMs: CHILD_EVENT_DELAY_MS,
        map: (p) => {
          const army = p.metadata?.labels?.[LABEL.army];
          return army ? [{ namespace: p.metadata?.namespace ?? '', name: army }] : [];
        },
      },
      {
        // A release's status (weight, step, phase) decides the pods of its target agent; an army that
        // names the release (canaryReleaseRef) looks at it too, whatever it targets (a mismatch, or the
        // release appearing after the army that waited for it).
        informer: informers.releases,
        map: (r) => {
          const namespace = r.metadata?.namespace ?? '';
          const target = (r as Partial<CanaryRelease>).spec?.targetRef.army;
          const naming = armiesNamingRelease(
            informers.armies.store.list({ namespace }),
            r.metadata?.name ?? '',
          );
          return [...new Set([...(target ? [target] : []), ...naming])].map((name) => ({ namespace, name }));
        },
      },
    ],
    concurrency: mgr.config.concurrency,
    reconciler: new AgentArmyReconciler({ informers, client: mgr.client, events: mgr.events, echoes }),
  };
}

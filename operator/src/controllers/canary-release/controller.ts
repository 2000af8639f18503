// Registers the CanaryRelease controller. A release wakes on its own changes, on its target army (a new
// desired version starts a release), on the agent's Deployments and canary pods (readiness, crash
// loops), each mapped to the releases that target that army and agent, and on every change of another
// member of its lockstep group (a member's completed step or rollback moves the others).

import { Counter, Gauge } from 'prom-client';
import { metricsPolicyFrom, setMetricsPolicy } from '../../analysis/metrics-policy.js';
import type { CanaryRelease } from '../../api/v1alpha1/index.js';
import type { ControllerSpec } from '../../kube/controller.js';
import type { Manager } from '../../kube/manager.js';
import { coreTypes, type KubeObject } from '../../kube/resource.js';
import { LABEL, MANAGER } from '../../rollout/labels.js';
import { EVALUATION_COMPONENT } from '../../rollout/render/render-evaluation-job.js';
import { versionInputChanged } from '../agent-army/controller.js';
import { agentPodsInformer, podHealthOrTrafficChanged } from '../agent-pods.js';
import { agentArmyType, agentVersionType, canaryReleaseType } from '../resource-types.js';
import { jobType } from './evaluation.js';
import { siblingKeys } from './group.js';
import { CanaryReleaseReconciler, type ReleaseMetrics } from './reconciler.js';

function releasesFor(releases: KubeObject[], army: string, agent?: string) {
  return releases
    .filter((r) => {
      const t = (r as Partial<CanaryRelease>).spec?.targetRef;
      return t?.army === army && (agent === undefined || t.agent === agent);
    })
    .map((r) => ({ namespace: r.metadata?.namespace ?? '', name: r.metadata?.name ?? '' }));
}

const releasesIn = (releases: KubeObject[]) =>
  releases.map((r) => ({ namespace: r.metadata?.namespace ?? '', name: r.metadata?.name ?? '' }));

export function releaseMetrics(mgr: Manager): ReleaseMetrics {
  const registers = [mgr.metrics.registry];
  return {
    weight: new Gauge({
      name: 'agentarmy_canary_weight',
      help: 'Traffic percentage the canary of a CanaryRelease receives',
      labelNames: ['namespace', 'release'],
      registers,
    }),
    rollbacks: new Counter({
      name: 'agentarmy_rollbacks_total',
      help: 'Automatic and manual rollbacks of CanaryReleases',
      labelNames: ['namespace', 'release'],
      registers,
    }),
  };
}

export function canaryReleaseController(mgr: Manager): ControllerSpec {
  // What analysis may talk to: the operator's flags (process-wide; both controllers measure).
  setMetricsPolicy(metricsPolicyFrom(mgr.config));
  const managed = { 'app.kubernetes.io/managed-by': MANAGER };
  const informers = {
    releases: mgr.informer(canaryReleaseType),
    armies: mgr.informer(agentArmyType),
    versions: mgr.informer(agentVersionType),
    deployments: mgr.informer(coreTypes.deployment, { labelSelector: managed }),
    pods: agentPodsInformer(mgr),
    // Evaluation Jobs (rollout/render/render-evaluation-job.ts): a finished one wakes its release.
    jobs: mgr.informer(jobType, {
      labelSelector: { ...managed, 'app.kubernetes.io/component': EVALUATION_COMPONENT },
    }),
  };
  const byLabels = (o: KubeObject) => {
    const army = o.metadata?.labels?.[LABEL.army];
    if (!army) return [];
    const list = informers.releases.store.list({ namespace: o.metadata?.namespace ?? '' });
    return releasesFor(list, army, o.metadata?.labels?.[LABEL.agent]);
  };
  return {
    name: 'canaryrelease',
    for: informers.releases,
    watches: [
      // Lockstep: a member's status (a step completed, a rollback) wakes the other members of its group.
      { informer: informers.releases, map: (r) => siblingKeys(informers.releases, r) },
      {
        informer: informers.armies,
        map: (a) =>
          releasesFor(
            informers.releases.store.list({ namespace: a.metadata?.namespace ?? '' }),
            a.metadata?.name ?? '',
          ),
      },
      {
        // The desired version is resolved through the AgentVersions: a version that appears or changes
        // later must wake the releases of its namespace (not a longer usedBy list in its status).
        informer: informers.versions,
        predicate: versionInputChanged,
        map: (v) => releasesIn(informers.releases.store.list({ namespace: v.metadata?.namespace ?? '' })),
      },
      { informer: informers.deployments, map: byLabels },
      {
        informer: informers.jobs,
        map: (j) =>
          (j.metadata?.ownerReferences ?? [])
            .filter((r) => r.kind === 'CanaryRelease' && r.controller === true)
            .map((r) => ({ namespace: j.metadata?.namespace ?? '', name: r.name })),
      },
      // Canary pods that crash-loop roll the release back; only a change of a pod's health view (or of the
      // traffic mode it was told, shadow-pods.ts) wakes it.
      {
        informer: informers.pods,
        predicate: podHealthOrTrafficChanged,
        map: (p) => (p.metadata?.labels?.[LABEL.track] === 'canary' ? byLabels(p) : []),
      },
    ],
    concurrency: mgr.config.concurrency,
    reconciler: new CanaryReleaseReconciler({
      informers,
      client: mgr.client,
      events: mgr.events,
      metrics: releaseMetrics(mgr),
    }),
  };
}

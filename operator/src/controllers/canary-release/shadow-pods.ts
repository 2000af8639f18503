// Canary pods learn whether they receive only mirrored requests: the annotation agentarmy.dev/traffic
// (`shadow` during a mirror step, `live` after) is patched on the pods themselves. The pod template is
// not touched: a changed template would roll the canary's ReplicaSet and restart the pods whose metrics
// the step measures. The runtime reads the annotation from a downward API file that the kubelet refreshes
// in place (render-deployment.ts, docs/runtime.md), so no container restarts either. A new pod starts
// without the annotation (live) and is patched on the next pass; the route mirrors to the canary only once
// every canary pod in the cache carries `shadow`, and weights it only once none does (reconciler.ts).
// This is the track's signal (the runtime's agent_shadow_traffic gauge and logs); which request may call a
// side-effect tool is decided per request: copies arrive on the pods' `shadow` port (http-route.ts).
import type { V1Pod } from '@kubernetes/client-node';
import { isApiError } from '../../kube/api-client.js';
import { coreTypes, resourcePath } from '../../kube/resource.js';
import type { WriteClient } from '../../kube/writes.js';
import { ANNOTATION } from '../../rollout/labels.js';

export type PodTraffic = 'shadow' | 'live';

/** The mode a pod was told: `shadow` only when its annotation says so. */
export function podTraffic(pod: V1Pod): PodTraffic {
  return pod.metadata?.annotations?.[ANNOTATION.traffic] === 'shadow' ? 'shadow' : 'live';
}

/**
 * The pods to patch so every canary pod has `want`, and whether they all had it already (the route may
 * then follow). A pod being deleted is left alone; `shadow` needs at least one pod to be agreed.
 */
export function shadowPodPlan(pods: V1Pod[], want: PodTraffic): { patch: V1Pod[]; agreed: boolean } {
  const alive = pods.filter((p) => !p.metadata?.deletionTimestamp);
  const patch = alive.filter((p) =>
    want === 'shadow'
      ? podTraffic(p) !== 'shadow'
      : p.metadata?.annotations?.[ANNOTATION.traffic] === 'shadow',
  );
  return { patch, agreed: patch.length === 0 && (want === 'live' || alive.length > 0) };
}

/** Patches the annotation on each pod of the plan (a pod gone meanwhile is skipped). */
export async function tellPods(client: WriteClient, pods: V1Pod[], want: PodTraffic): Promise<number> {
  let patched = 0;
  for (const pod of pods) {
    const { name, namespace } = pod.metadata ?? {};
    if (!name) continue;
    try {
      await client.request({
        method: 'PATCH',
        path: resourcePath(coreTypes.pod, namespace, name),
        body: { metadata: { annotations: { [ANNOTATION.traffic]: want } } },
        contentType: 'application/merge-patch+json',
        write: { verb: 'patch', kind: 'Pod' },
        discardResponse: true,
      });
      patched++;
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
    }
  }
  return patched;
}

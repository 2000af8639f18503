// One cache of the operator's agent pods, shared by the army and release controllers. It keeps only what
// they read of a pod (its version, scheduling and container states), so the pods of 1,000 agents cost
// little memory, and a pod event wakes an owner only when that health view changes (a container starts
// waiting in ImagePullBackOff, crash-loops, becomes ready), not at every status heartbeat.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { coreTypes } from '../kube/index.js';
import type { Manager } from '../kube/manager.js';
import type { UpdatePredicate } from '../kube/predicates.js';
import type { KubeObject } from '../kube/resource.js';
import { ANNOTATION, LABEL, MANAGER } from '../rollout/labels.js';

function slimContainer(cs: V1ContainerStatus): V1ContainerStatus {
  const waiting = cs.state?.waiting;
  const terminated = cs.lastState?.terminated;
  return {
    name: cs.name,
    ready: cs.ready,
    restartCount: cs.restartCount,
    image: '',
    imageID: '',
    ...(waiting ? { state: { waiting: { reason: waiting.reason, message: waiting.message } } } : {}),
    ...(terminated
      ? {
          lastState: {
            terminated: {
              exitCode: terminated.exitCode,
              reason: terminated.reason,
              message: terminated.message?.slice(-1024),
            },
          },
        }
      : {}),
  } as V1ContainerStatus;
}

/** The pod as the controllers read it: identity, labels, version annotation, scheduling, container states. */
export function slimPod(obj: KubeObject): KubeObject {
  const pod = obj as unknown as V1Pod;
  const meta = pod.metadata ?? {};
  const version = meta.annotations?.[ANNOTATION.agentVersion];
  const traffic = meta.annotations?.[ANNOTATION.traffic];
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const slim: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      labels: meta.labels,
      ...(version || traffic
        ? {
            annotations: {
              ...(version ? { [ANNOTATION.agentVersion]: version } : {}),
              ...(traffic ? { [ANNOTATION.traffic]: traffic } : {}),
            },
          }
        : {}),
      ...(meta.deletionTimestamp ? { deletionTimestamp: meta.deletionTimestamp } : {}),
    },
    status: {
      phase: pod.status?.phase,
      ...(scheduled ? { conditions: [scheduled] } : {}),
      ...(pod.status?.initContainerStatuses
        ? { initContainerStatuses: pod.status.initContainerStatuses.map(slimContainer) }
        : {}),
      containerStatuses: (pod.status?.containerStatuses ?? []).map(slimContainer),
    },
  };
  return slim as unknown as KubeObject;
}

/** What an owner decides from: per container its waiting reason, readiness and crash count; scheduling. */
export function podHealthSignature(obj: KubeObject): string {
  const pod = obj as unknown as V1Pod;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const containers = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
    .map((cs) => `${cs.name}:${cs.state?.waiting?.reason ?? ''}:${cs.ready}:${Math.min(cs.restartCount, 3)}`)
    .join(',');
  return `${pod.metadata?.deletionTimestamp ? 'deleting' : ''}|${scheduled?.status ?? ''}:${scheduled?.reason ?? ''}|${containers}`;
}

export const podHealthChanged: UpdatePredicate = (oldPod, newPod) =>
  podHealthSignature(oldPod) !== podHealthSignature(newPod);

/** The health view, or the traffic mode a release told the pod (it weights its route once pods carry it). */
export const podHealthOrTrafficChanged: UpdatePredicate = (oldPod, newPod) =>
  podHealthChanged(oldPod, newPod) ||
  oldPod.metadata?.annotations?.[ANNOTATION.traffic] !== newPod.metadata?.annotations?.[ANNOTATION.traffic];

/** The shared informer of every pod the operator's Deployments made, slimmed. */
export function agentPodsInformer(mgr: Manager) {
  return mgr.informer(coreTypes.pod, {
    labelSelector: { 'app.kubernetes.io/managed-by': MANAGER },
    transform: slimPod,
  });
}

/** Pods of one agent (optionally one track) of an army, from that cache. */
export function agentPods(
  store: { list(q: { namespace: string; labels: Record<string, string> }): KubeObject[] },
  namespace: string,
  army: string,
  agent: string,
  track?: string,
): V1Pod[] {
  const labels: Record<string, string> = { [LABEL.army]: army, [LABEL.agent]: agent };
  if (track) labels[LABEL.track] = track;
  return store.list({ namespace, labels }) as unknown as V1Pod[];
}

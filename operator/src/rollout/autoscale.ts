// How an agent's HorizontalPodAutoscaler and the operator share a Deployment's `spec.replicas`. Pure.
//
// The HPA owns the count of the Deployment it scales: the operator renders that Deployment without
// `spec.replicas`, so its server-side apply never writes the field. Every other Deployment of the agent
// (a canary, a blue-green preview or old color) gets an explicit count derived from the HPA's current one.
// When a Deployment passes from the operator's count to the HPA's (an agent gains autoscaling, a preview
// becomes the active color), dropping the field from the operator's apply would make the apiserver delete
// it (and default it to 1); so the count is first handed to a second field manager, which keeps it until
// the HPA's next scale takes it (the "transferring ownership" recipe of server-side apply).
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import type { Agent } from '../api/v1alpha1/index.js';
import { ANNOTATION } from './labels.js';

/** The field manager holding a Deployment's count between the operator's last write and the HPA's first. */
export const HANDOVER_MANAGER = 'agent-army-handover';
/** Value of ANNOTATION.replicasOwner on a Deployment whose count the HPA owns. */
export const HPA_OWNER = 'hpa';

/**
 * The agent's current size: its fixed `replicas`, or with autoscaling the count of the Deployment the HPA
 * scales (as the HPA left it), clamped to the HPA's bounds (a new Deployment starts at 1 until the HPA
 * first runs).
 */
export function currentReplicas(agent: Agent, scaled: V1Deployment | undefined): number {
  const a = agent.autoscaling;
  if (!a) return agent.replicas;
  const now = scaled?.spec?.replicas ?? a.minReplicas;
  return Math.min(a.maxReplicas, Math.max(a.minReplicas, now));
}

/** The shape of a child the reconciler applies (a cached object or a rendered one). */
interface Child {
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: unknown;
}

function replicasOf(o: Child): number | undefined {
  const r = (o.spec as { replicas?: unknown } | undefined)?.replicas;
  return typeof r === 'number' ? r : undefined;
}

/**
 * The apply (with HANDOVER_MANAGER) that keeps the live count when `desired` leaves replicas to the HPA but
 * the live Deployment was last applied with a count of the operator's; undefined when nothing is handed over.
 */
export function replicaHandover(desired: Child, live: Child | undefined): KubernetesObject | undefined {
  if (desired.kind !== 'Deployment' || replicasOf(desired) !== undefined) return undefined;
  if (desired.metadata?.annotations?.[ANNOTATION.replicasOwner] !== HPA_OWNER) return undefined;
  const count = live ? replicasOf(live) : undefined;
  if (!live || count === undefined) return undefined;
  if (live.metadata?.annotations?.[ANNOTATION.replicasOwner] === HPA_OWNER) return undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: desired.metadata?.name ?? '', namespace: desired.metadata?.namespace ?? '' },
    spec: { replicas: count },
  } as KubernetesObject;
}

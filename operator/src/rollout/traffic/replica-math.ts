// How many pods each track runs for a canary weight. Pure.
//
// `replicas` traffic mode has no mesh: one Service selects the stable and the canary pods, so the share
// of traffic the canary gets is its share of the pods. A weight can rarely be met exactly (10% of 3 pods),
// so the split rounds the canary up (at least one pod as soon as the weight is above 0), keeps at least
// one stable pod until the weight reaches 100, and reports the weight the pods actually serve.
//
// `gatewayAPI` mode weights an HTTPRoute exactly, so the stable track keeps every pod (an abort is then
// instant) and the canary gets the pods its weight needs, rounded up the same way.

export type TrafficMode = 'replicas' | 'gatewayAPI';

export interface ReplicaSplit {
  stable: number;
  canary: number;
  /** Percentage of traffic the canary really gets, 0–100, two decimals. */
  effectiveWeight: number;
}

function checkInputs(total: number, weight: number): void {
  if (!Number.isInteger(total) || total < 0) {
    throw new Error(`replicas: expected an integer >= 0, got ${total}`);
  }
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
    throw new Error(`weight: expected an integer between 0 and 100, got ${weight}`);
  }
}

/** Canary pods for a weight: ceil(total × weight / 100), at least 1 when weight > 0, at most total. */
export function canaryPods(total: number, weight: number): number {
  checkInputs(total, weight);
  if (weight === 0 || total === 0) return 0;
  return Math.min(total, Math.max(1, Math.ceil((total * weight) / 100)));
}

function share(canary: number, stable: number): number {
  const all = canary + stable;
  return all === 0 ? 0 : Math.round((canary / all) * 10_000) / 100;
}

/** `replicas` mode: split `total` pods between the tracks so their ratio approximates `weight`. */
export function splitReplicas(total: number, weight: number): ReplicaSplit {
  const canary = canaryPods(total, weight);
  // Below 100% the stable track must keep serving, even when that takes one pod above `total`.
  const stable = Math.max(total - canary, weight < 100 && total > 0 ? 1 : 0);
  return { stable, canary, effectiveWeight: share(canary, stable) };
}

/** Pods per track for a traffic mode; `minCanary` keeps a canary pod for header cohorts at weight 0. */
export function trackReplicas(mode: TrafficMode, total: number, weight: number, minCanary = 0): ReplicaSplit {
  if (mode === 'replicas') return splitReplicas(total, weight);
  const canary = Math.max(canaryPods(total, weight), total > 0 ? Math.min(minCanary, total) : 0);
  return { stable: total, canary, effectiveWeight: canary === 0 ? 0 : weight };
}

/**
 * Pods per track while a HorizontalPodAutoscaler sizes the stable track (`stable` pods now, which the
 * operator never changes). `gatewayAPI`: the HTTPRoute splits traffic, so the canary gets its weight's share
 * of the stable size, as without an HPA. `replicas`: traffic follows the pod ratio, so the canary gets the
 * pods that make canary / (stable + canary) the weight: ceil(stable × w / (100 − w)), which is within one
 * pod of w% of the total; at most `maxCanary` (the HPA's maxReplicas), and `maxCanary` at weight 100.
 */
export function autoscaledSplit(
  mode: TrafficMode,
  stable: number,
  weight: number,
  maxCanary: number,
  minCanary = 0,
): ReplicaSplit {
  checkInputs(stable, weight);
  if (mode === 'gatewayAPI') return trackReplicas(mode, stable, weight, minCanary);
  let canary = 0;
  if (weight === 100) canary = maxCanary;
  else if (weight > 0 && stable > 0) canary = Math.max(1, Math.ceil((stable * weight) / (100 - weight)));
  canary = Math.min(canary, maxCanary);
  return { stable, canary, effectiveWeight: share(canary, stable) };
}

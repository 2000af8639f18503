// The replica ratio router (the default; no mesh): one Service `<army>-<agent>` selects the pods of both
// tracks, so the share of requests the canary gets is its share of the ready pods. The weight itself is
// met by the pod split (replica-math.ts), which the strategy asks for; the routes never change.
import type { V1Deployment } from '@kubernetes/client-node';
import type { AgentRef } from '../labels.js';
import { renderService } from '../render/render-service.js';
import { checkWeight, type Routes, type TrafficRouter } from './router.js';

export interface TrackDeployments {
  stable: V1Deployment | undefined;
  canary: V1Deployment | undefined;
}

export function replicaRatioRouter(input: {
  namespace: string;
  ref: AgentRef;
}): TrafficRouter<TrackDeployments> {
  const routes = (): Routes => ({ services: [renderService(input)] });
  return {
    name: 'replicas',
    setWeights(weight) {
      checkWeight(weight);
      return routes();
    },
    setCohorts() {
      throw new Error(
        'spec.trafficRouting.cohorts: the replica ratio router cannot match headers (use gatewayAPI)',
      );
    },
    setMirror() {
      throw new Error(
        'spec.steps[].mirror: the replica ratio router cannot mirror requests (use spec.trafficRouting.gatewayAPI)',
      );
    },
    reset: routes,
    status(live) {
      const canary = live.canary?.status?.readyReplicas ?? 0;
      const all = canary + (live.stable?.status?.readyReplicas ?? 0);
      return all === 0 ? undefined : Math.round((canary / all) * 10_000) / 100;
    },
  };
}

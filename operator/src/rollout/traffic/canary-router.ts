// The router of a canary release: Gateway API when the release names an HTTPRoute, else the replica
// ratio. A new router (a mesh) is a new file and one more line here.
import type { CanaryRelease } from '../../api/v1alpha1/index.js';
import type { AgentRef } from '../labels.js';
import { gatewayApiRouter } from './gateway-api.js';
import { replicaRatioRouter } from './replica-ratio.js';
import type { TrafficRouter } from './router.js';

export function canaryRouter(input: {
  namespace: string;
  ref: AgentRef;
  routing: CanaryRelease['spec']['trafficRouting'];
}): TrafficRouter {
  if (input.routing.gatewayAPI) return gatewayApiRouter(input);
  return replicaRatioRouter(input) as TrafficRouter;
}

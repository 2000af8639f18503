// The Gateway API router: weights, header cohorts and a RequestMirror filter in the user's HTTPRoute (rules rendered by
// http-route.ts), pointing at per-track Services. The agent's own Service `<army>-<agent>` selects the
// stable track only, so calls that bypass the gateway never reach the canary.
import type { CanaryRelease } from '../../api/v1alpha1/index.js';
import type { AgentRef } from '../labels.js';
import { renderService } from '../render/render-service.js';
import { observedRouteWeight, renderHttpRouteApply, trackServiceNames } from './http-route.js';
import type { Routes, TrafficRouter } from './router.js';

export function gatewayApiRouter(input: {
  namespace: string;
  ref: AgentRef;
  routing: CanaryRelease['spec']['trafficRouting'];
}): TrafficRouter {
  const { namespace, ref } = input;
  const names = trackServiceNames(ref);
  const services = () => [
    renderService({ namespace, ref, track: 'stable' }),
    renderService({ namespace, ref, name: names.stable, track: 'stable' }),
    renderService({ namespace, ref, name: names.canary, track: 'canary', shadow: true }),
  ];
  const routes = (weight: number, cohortsToCanary: boolean, mirrorPercent?: number): Routes => ({
    services: services(),
    httpRoute: renderHttpRouteApply({
      namespace,
      ref,
      routing: input.routing,
      weight,
      cohortsToCanary,
      ...(mirrorPercent !== undefined ? { mirrorPercent } : {}),
    }),
  });
  return {
    name: 'gatewayAPI',
    setWeights: (weight) => routes(weight, false),
    setCohorts: (weight) => routes(weight, true),
    setMirror: (percent) => routes(0, false, percent),
    reset: () => routes(0, false),
    status: (live) => observedRouteWeight(live, ref),
  };
}

// Giving an HTTPRoute back when its release stops weighting it, so traffic stays on a version that runs and
// no backendRef names a Service that is gone:
//  - the release is deleted: a finalizer holds it until the route sends every request to the agent's own
//    Service (stable), or, when the army or agent is gone too, until the operator's rules are dropped;
//  - the army (or the agent) is deleted while the release stays: the operator's rules are dropped.
// Both are decided from what the apiserver holds (the finalizer, the route's managedFields), so an operator
// that restarts half way does the rest on its next reconcile. Only a route whose rules the operator's
// traffic field manager owns is touched: a release that never weighted its route leaves it alone.
import type { CanaryRelease } from '../../api/v1alpha1/index.js';
import { isApiError } from '../../kube/api-client.js';
import { isSubset } from '../../kube/json-diff.js';
import { type KubeObject, resourcePath } from '../../kube/resource.js';
import { apply, type WriteClient } from '../../kube/writes.js';
import {
  HTTP_ROUTE_FIELD_MANAGER,
  hasStaleFilters,
  ownsRouteRules,
  type RouteHandback,
  renderHttpRouteHandback,
} from '../../rollout/traffic/http-route.js';
import { canaryReleaseType } from '../resource-types.js';

/** Holds a release that weights an HTTPRoute until the route is given back. */
export const ROUTE_FINALIZER = 'agentarmy.dev/restore-route';

export const httpRouteType = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  kind: 'HTTPRoute',
  plural: 'httproutes',
  namespaced: true,
} as const;

/** The HTTPRoute a release may weight: gatewayAPI mode, in the release's own namespace. */
export function weightsRoute(release: CanaryRelease): boolean {
  const gw = release.spec.trafficRouting.gatewayAPI;
  return gw !== undefined && (gw.namespace === undefined || gw.namespace === release.metadata.namespace);
}

/**
 * Gives the release's route back (`stable` or `none`, see RouteHandback). Returns what was done: `restored`
 * when the route was written, `unchanged` when there was nothing to do (not a route of this release, not
 * weighted by the operator, absent, or already given back).
 */
export async function handBackRoute(
  client: WriteClient,
  release: CanaryRelease,
  to: RouteHandback,
): Promise<'restored' | 'unchanged'> {
  if (!weightsRoute(release)) return 'unchanged';
  const namespace = release.metadata.namespace ?? '';
  const body = renderHttpRouteHandback(
    { namespace, ref: release.spec.targetRef, routing: release.spec.trafficRouting },
    to,
  );
  const path = resourcePath(httpRouteType, body.metadata.namespace, body.metadata.name);
  let live: { spec?: unknown };
  try {
    live = await client.request({ method: 'GET', path });
  } catch (err) {
    if (isApiError(err, 404)) return 'unchanged';
    throw err;
  }
  if (!ownsRouteRules(live)) return 'unchanged';
  if (body.spec && isSubset(body.spec, live.spec) && !hasStaleFilters(live, body.spec.rules))
    return 'unchanged';
  await client.request({
    method: 'PATCH',
    path,
    query: { fieldManager: HTTP_ROUTE_FIELD_MANAGER, force: true },
    body,
    contentType: 'application/apply-patch+yaml',
    write: { verb: 'apply', kind: 'HTTPRoute' },
  });
  return 'restored';
}

/** Server-side apply of the release's metadata.finalizers alone (the operator's own entry, nothing else). */
export async function setRouteFinalizer(client: WriteClient, raw: KubeObject, on: boolean): Promise<void> {
  await apply(client, canaryReleaseType, {
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    metadata: {
      name: raw.metadata?.name,
      namespace: raw.metadata?.namespace,
      finalizers: on ? [ROUTE_FINALIZER] : [],
    },
  } as KubeObject);
}

export const hasRouteFinalizer = (raw: KubeObject) =>
  raw.metadata?.finalizers?.includes(ROUTE_FINALIZER) ?? false;

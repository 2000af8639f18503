// What the test dataplane reports on each HTTPRoute attached to its Gateway: a parent status entry under
// its own controllerName with Accepted and ResolvedRefs at the route's generation (the conditions the
// Gateway API defines), written only after the rules of that generation serve requests, so a test waits on
// `observedGeneration` to know its change is live. Also resolves backendRefs to Service ClusterIPs. Pure.
import { type BackendRef, type HttpRoute, type ParentRef, unsupported } from './routing.js';

export const CONTROLLER_NAME = 'agentarmy.dev/test-gateway-dataplane';

export interface ServiceView {
  metadata: { name: string; namespace: string };
  spec: { clusterIP?: string; ports?: { port: number; name?: string }[] };
}

export type Resolved =
  | { ok: true; host: string; port: number }
  | { ok: false; reason: string; message: string };

/** A backendRef's Service as ClusterIP:port (kube-proxy then picks a ready pod, as for any client). */
export function resolveBackend(ref: BackendRef, routeNs: string, services: ServiceView[]): Resolved {
  const ns = ref.namespace ?? routeNs;
  if (ns !== routeNs) {
    return { ok: false, reason: 'RefNotPermitted', message: `backendRef ${ns}/${ref.name}: other namespace` };
  }
  const svc = services.find((s) => s.metadata.name === ref.name && s.metadata.namespace === ns);
  if (!svc) return { ok: false, reason: 'BackendNotFound', message: `Service ${ns}/${ref.name} not found` };
  const ip = svc.spec.clusterIP;
  if (!ip || ip === 'None') {
    return { ok: false, reason: 'BackendNotFound', message: `Service ${ns}/${ref.name} has no ClusterIP` };
  }
  if (!svc.spec.ports?.some((p) => p.port === ref.port)) {
    return {
      ok: false,
      reason: 'BackendNotFound',
      message: `Service ${ns}/${ref.name} has no port ${ref.port}`,
    };
  }
  return { ok: true, host: ip, port: ref.port as number };
}

export interface RouteVerdict {
  generation: number;
  accepted: { status: 'True' | 'False'; reason: string; message: string };
  resolvedRefs: { status: 'True' | 'False'; reason: string; message: string };
}

/** Whether the dataplane serves a route (Accepted) and finds all its backends (ResolvedRefs). */
export function judgeRoute(route: HttpRoute, services: ServiceView[]): RouteVerdict {
  const generation = route.metadata.generation ?? 0;
  const why = unsupported(route);
  const accepted = why
    ? {
        status: 'False' as const,
        reason: 'UnsupportedValue',
        message: `not supported by the test dataplane: ${why}`,
      }
    : { status: 'True' as const, reason: 'Accepted', message: 'served by the test dataplane' };
  const refs = (route.spec?.rules ?? []).flatMap((r) => [
    ...(r.backendRefs ?? []),
    ...(r.filters ?? []).flatMap((f) => (f.requestMirror ? [f.requestMirror.backendRef] : [])),
  ]);
  const failed = refs
    .map((b) => resolveBackend(b, route.metadata.namespace, services))
    .find((x): x is Extract<Resolved, { ok: false }> => !x.ok);
  const resolvedRefs = failed
    ? { status: 'False' as const, reason: failed.reason, message: failed.message }
    : { status: 'True' as const, reason: 'ResolvedRefs', message: 'all backendRefs resolved' };
  return { generation, accepted, resolvedRefs };
}

export const verdictKey = (v: RouteVerdict) => JSON.stringify(v);

interface ParentStatus {
  parentRef: ParentRef;
  controllerName: string;
  conditions: Record<string, unknown>[];
}

/** status.parents with this dataplane's entry replaced (other controllers' entries kept). */
export function parentsWith(
  route: HttpRoute & { status?: { parents?: ParentStatus[] } },
  parentRef: ParentRef,
  v: RouteVerdict,
  now: string,
): ParentStatus[] {
  const others = (route.status?.parents ?? []).filter((p) => p.controllerName !== CONTROLLER_NAME);
  const condition = (type: string, c: RouteVerdict['accepted']) => ({
    type,
    ...c,
    observedGeneration: v.generation,
    lastTransitionTime: now,
  });
  return [
    ...others,
    {
      parentRef,
      controllerName: CONTROLLER_NAME,
      conditions: [condition('Accepted', v.accepted), condition('ResolvedRefs', v.resolvedRefs)],
    },
  ];
}

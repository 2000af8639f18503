// The rules of the Gateway API HTTPRoute of a canary in `gatewayAPI` traffic mode. Pure.
//
// Ownership: the user owns the HTTPRoute named in spec.trafficRouting.gatewayAPI.httpRoute (its
// parentRefs, hostnames, labels: the CanaryRelease has no field for them). The operator owns only
// `spec.rules`, written by server-side apply under its own field manager with force, so the user's
// fields are never touched and a GitOps tool that owns the rest of the route sees no drift. `rules` is
// an atomic list in the HTTPRoute schema, so the operator writes all of it: the route must not carry
// rules of its own. The reconciler GETs the route first and never creates it (an apply would create a
// route attached to no Gateway); a missing route is a problem to report, not to paper over.
import type { CanaryRelease } from '../../api/v1alpha1/index.js';
import { type AgentRef, childName } from '../labels.js';
import { SERVICE_PORT, SHADOW_SERVICE_PORT } from '../render/render-service.js';

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
/** Field manager of the server-side apply of `spec.rules`. */
export const HTTP_ROUTE_FIELD_MANAGER = 'agent-army-traffic';
/** Limits of the HTTPRoute schema (Gateway API v1). */
export const ROUTE_LIMITS = { rules: 16, matchesPerRule: 64, matchesPerRoute: 128 } as const;

export interface HttpHeaderMatch {
  type: 'Exact';
  name: string;
  value: string;
}
export interface HttpRouteMatch {
  path: { type: 'PathPrefix'; value: string };
  headers?: HttpHeaderMatch[];
}
export interface HttpBackendRef {
  group: '';
  kind: 'Service';
  name: string;
  namespace?: string;
  port: number;
  weight: number;
}
/** Gateway API RequestMirror (v1.2+ has `percent`): copies of requests, whose answers are dropped. */
export interface HttpRequestMirrorFilter {
  type: 'RequestMirror';
  requestMirror: { backendRef: Omit<HttpBackendRef, 'weight'>; percent: number };
}
export interface HttpRouteRule {
  matches: HttpRouteMatch[];
  filters?: HttpRequestMirrorFilter[];
  backendRefs: HttpBackendRef[];
}
/** The server-side apply configuration: identity plus the rules the operator owns, nothing else. */
export interface HttpRouteApply {
  apiVersion: typeof GATEWAY_API_VERSION;
  kind: 'HTTPRoute';
  metadata: { name: string; namespace: string };
  spec: { rules: HttpRouteRule[] };
}

export interface HttpRouteInput {
  /** Namespace of the release, its Services and Deployments. */
  namespace: string;
  ref: AgentRef;
  routing: CanaryRelease['spec']['trafficRouting'];
  /** Canary weight, 0–100. */
  weight: number;
  /** Route header cohorts to the canary (only while a canary runs; its pods exist). */
  cohortsToCanary: boolean;
  /** Copy this percentage (1–100) of the weighted rule's requests to the canary Service (a mirror step). */
  mirrorPercent?: number;
}

/** Per-track Service names the route points at: `<army>-<agent>-stable` and `<army>-<agent>-canary`. */
export function trackServiceNames(ref: AgentRef): { stable: string; canary: string } {
  return { stable: `${childName(ref)}-stable`, canary: childName(ref, 'canary') };
}

const ALL_PATHS = { type: 'PathPrefix', value: '/' } as const;

function backendRefs(input: HttpRouteInput, routeNamespace: string, canaryWeight: number): HttpBackendRef[] {
  const names = trackServiceNames(input.ref);
  // A route in another namespace needs an explicit namespace (and a ReferenceGrant in ours).
  const ns = routeNamespace === input.namespace ? {} : { namespace: input.namespace };
  const ref = (name: string, weight: number): HttpBackendRef => ({
    group: '',
    kind: 'Service',
    name,
    ...ns,
    port: SERVICE_PORT,
    weight,
  });
  return [ref(names.stable, 100 - canaryWeight), ref(names.canary, canaryWeight)];
}

/** One header match per cohort value; values of one cohort are ORed, as matches of a rule are. */
function cohortMatches(input: HttpRouteInput): HttpRouteMatch[] {
  return (input.routing.cohorts ?? []).flatMap((c) =>
    c.values.map((value) => ({
      path: ALL_PATHS,
      headers: [{ type: 'Exact' as const, name: c.header, value }],
    })),
  );
}

function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * The route's rules: cohort rules (100% canary) first, then the weighted rule for everything else.
 * Gateway API ranks a match with more header matches above one without, so cohorts win regardless of
 * order; listing them first keeps the route readable too. Throws, naming the field, when the cohorts need
 * more matches than an HTTPRoute allows.
 */
export function renderHttpRouteRules(input: HttpRouteInput): HttpRouteRule[] {
  const { weight } = input;
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
    throw new Error(`weight: expected an integer between 0 and 100, got ${weight}`);
  }
  const routeNamespace = input.routing.gatewayAPI?.namespace ?? input.namespace;
  const matches = input.cohortsToCanary ? cohortMatches(input) : [];
  if (matches.length + 1 > ROUTE_LIMITS.matchesPerRoute) {
    throw new Error(
      `spec.trafficRouting.cohorts: ${matches.length} header values need more than the ` +
        `${ROUTE_LIMITS.matchesPerRoute - 1} matches an HTTPRoute allows besides the weighted rule`,
    );
  }
  const cohortRules = chunk(matches, ROUTE_LIMITS.matchesPerRule).map((m) => ({
    matches: m,
    backendRefs: backendRefs(input, routeNamespace, 100),
  }));
  const weighted: HttpRouteRule = {
    matches: [{ path: ALL_PATHS }],
    backendRefs: backendRefs(input, routeNamespace, weight),
  };
  const mirror = input.mirrorPercent;
  if (mirror !== undefined) {
    if (!Number.isInteger(mirror) || mirror < 1 || mirror > 100) {
      throw new Error(`spec.steps[].mirror.percent: expected an integer between 1 and 100, got ${mirror}`);
    }
    // Copies go to the canary Service's shadow port: the runtime stubs side-effect tools for every request
    // arriving there (render-service.ts, docs/runtime.md), so a copy is shadow traffic by where it lands.
    const { weight: _, ...canary } = backendRefs(input, routeNamespace, 0)[1] as HttpBackendRef;
    const backendRef = { ...canary, port: SHADOW_SERVICE_PORT };
    weighted.filters = [{ type: 'RequestMirror', requestMirror: { backendRef, percent: mirror } }];
  }
  return [...cohortRules, weighted];
}

/** The server-side apply body for the user's HTTPRoute; throws when the release has no gatewayAPI. */
export function renderHttpRouteApply(input: HttpRouteInput): HttpRouteApply {
  const gw = input.routing.gatewayAPI;
  if (!gw) throw new Error('spec.trafficRouting.gatewayAPI: required to render an HTTPRoute');
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: { name: gw.httpRoute, namespace: gw.namespace ?? input.namespace },
    spec: { rules: renderHttpRouteRules(input) },
  };
}

/** Canary weight currently written on a live route (the weighted rule's canary backend), if any. */
export function observedRouteWeight(route: unknown, ref: AgentRef): number | undefined {
  const rules = (route as { spec?: { rules?: Partial<HttpRouteRule>[] } } | undefined)?.spec?.rules;
  const weighted = rules?.findLast((r) => !r.matches?.some((m) => (m.headers?.length ?? 0) > 0));
  const canary = weighted?.backendRefs?.find((b) => b.name === trackServiceNames(ref).canary);
  return canary?.weight;
}

/** The percentage a live route's weighted rule mirrors to the canary Service; undefined when none. */
export function observedMirrorPercent(route: unknown, ref: AgentRef): number | undefined {
  const rules = (route as { spec?: { rules?: Partial<HttpRouteRule>[] } } | undefined)?.spec?.rules;
  const canary = trackServiceNames(ref).canary;
  for (const rule of rules ?? []) {
    for (const f of rule.filters ?? []) {
      const m = f.type === 'RequestMirror' ? f.requestMirror : undefined;
      if (m?.backendRef?.name === canary) return m.percent ?? 100;
    }
  }
  return undefined;
}

/** True when a live route carries a filter the desired rules do not (isSubset cannot see one to remove). */
export function hasStaleFilters(route: unknown, desired: HttpRouteRule[]): boolean {
  const rules = (route as { spec?: { rules?: Partial<HttpRouteRule>[] } } | undefined)?.spec?.rules ?? [];
  return rules.some((r, i) => (r.filters?.length ?? 0) > (desired[i]?.filters?.length ?? 0));
}

/**
 * Where a route goes when its release no longer weights it: `stable` sends every request to the agent's
 * own Service `<army>-<agent>` (it exists for every strategy while the agent does, and under gatewayAPI it
 * selects the stable track only); `none` gives the rules back (the army or agent is gone, so no Service of
 * it remains to point at).
 */
export type RouteHandback = 'stable' | 'none';

/** A server-side apply body that gives the route back; without `spec` it drops every rule the operator owned. */
export interface HttpRouteHandback {
  apiVersion: typeof GATEWAY_API_VERSION;
  kind: 'HTTPRoute';
  metadata: { name: string; namespace: string };
  spec?: { rules: HttpRouteRule[] };
}

export function renderHttpRouteHandback(
  input: Pick<HttpRouteInput, 'namespace' | 'ref' | 'routing'>,
  to: RouteHandback,
): HttpRouteHandback {
  const gw = input.routing.gatewayAPI;
  if (!gw) throw new Error('spec.trafficRouting.gatewayAPI: required to render an HTTPRoute');
  const metadata = { name: gw.httpRoute, namespace: gw.namespace ?? input.namespace };
  const identity: HttpRouteHandback = { apiVersion: GATEWAY_API_VERSION, kind: 'HTTPRoute', metadata };
  if (to === 'none') return identity;
  const ns = metadata.namespace === input.namespace ? {} : { namespace: input.namespace };
  const stable: HttpBackendRef = {
    group: '',
    kind: 'Service',
    name: childName(input.ref),
    ...ns,
    port: SERVICE_PORT,
    weight: 100,
  };
  return { ...identity, spec: { rules: [{ matches: [{ path: ALL_PATHS }], backendRefs: [stable] }] } };
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  fieldsV1?: { 'f:spec'?: Record<string, unknown> };
}

/** True when the operator's traffic field manager owns the route's `spec.rules` (it weighted the route). */
export function ownsRouteRules(route: unknown): boolean {
  const entries = (route as { metadata?: { managedFields?: ManagedFieldsEntry[] } } | undefined)?.metadata
    ?.managedFields;
  return (entries ?? []).some(
    (m) =>
      m.manager === HTTP_ROUTE_FIELD_MANAGER &&
      m.operation === 'Apply' &&
      m.fieldsV1?.['f:spec']?.['f:rules'] !== undefined,
  );
}

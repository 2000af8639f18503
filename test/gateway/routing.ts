// The routing decisions of the test dataplane (docs/gateway-dataplane.md): which HTTPRoute rule a request
// takes, which weighted backendRef serves it, and whether it is mirrored. Pure (randomness is passed in).
//
// A MINIMAL implementation of the HTTPRoute subset the operator writes, for the tests: hostnames (exact
// and `*.` wildcards), path (Exact, PathPrefix), headers (Exact), method, weighted backendRefs to Services
// and the RequestMirror filter (percent / fraction). Anything else in a rule makes the route refused
// (Accepted=False, UnsupportedValue), never silently half-served. Not a conformance-tested Gateway.

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}
export interface HeaderMatch {
  type?: string;
  name: string;
  value: string;
}
export interface RouteMatch {
  path?: { type?: string; value?: string };
  headers?: HeaderMatch[];
  queryParams?: unknown[];
  method?: string;
}
export interface RouteFilter {
  type: string;
  requestMirror?: {
    backendRef: BackendRef;
    percent?: number;
    fraction?: { numerator: number; denominator?: number };
  };
}
export interface RouteRule {
  matches?: RouteMatch[];
  filters?: RouteFilter[];
  backendRefs?: (BackendRef & { filters?: unknown[] })[];
}
export interface ParentRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  sectionName?: string;
  port?: number;
}
export interface HttpRoute {
  metadata: { name: string; namespace: string; generation?: number; creationTimestamp?: string };
  spec?: { parentRefs?: ParentRef[]; hostnames?: string[]; rules?: RouteRule[] };
}
export interface GatewayId {
  namespace: string;
  name: string;
}

/** The parentRef of `route` naming this Gateway, if the route attaches to it. */
export function parentRefTo(route: HttpRoute, gw: GatewayId): ParentRef | undefined {
  return route.spec?.parentRefs?.find(
    (p) =>
      (p.group ?? GATEWAY_GROUP) === GATEWAY_GROUP &&
      (p.kind ?? 'Gateway') === 'Gateway' &&
      p.name === gw.name &&
      (p.namespace ?? route.metadata.namespace) === gw.namespace,
  );
}

/** Why the dataplane cannot serve a route as written (the first unsupported field), or undefined. */
export function unsupported(route: HttpRoute): string | undefined {
  const rules = route.spec?.rules ?? [];
  for (const [i, rule] of rules.entries()) {
    const at = `spec.rules[${i}]`;
    for (const [j, m] of (rule.matches ?? []).entries()) {
      const pt = m.path?.type ?? 'PathPrefix';
      if (pt !== 'Exact' && pt !== 'PathPrefix') return `${at}.matches[${j}].path.type ${pt}`;
      if ((m.queryParams?.length ?? 0) > 0) return `${at}.matches[${j}].queryParams`;
      const h = m.headers?.find((x) => (x.type ?? 'Exact') !== 'Exact');
      if (h) return `${at}.matches[${j}].headers type ${h.type}`;
    }
    for (const [j, f] of (rule.filters ?? []).entries()) {
      if (f.type !== 'RequestMirror' || !f.requestMirror) return `${at}.filters[${j}].type ${f.type}`;
    }
    for (const [j, b] of (rule.backendRefs ?? []).entries()) {
      if ((b.group ?? '') !== '' || (b.kind ?? 'Service') !== 'Service')
        return `${at}.backendRefs[${j}] kind ${b.group ?? ''}/${b.kind}`;
      if ((b.filters?.length ?? 0) > 0) return `${at}.backendRefs[${j}].filters`;
    }
  }
  return undefined;
}

export interface Candidate {
  route: HttpRoute;
  ruleIndex: number;
  rule: RouteRule;
  match: RouteMatch;
  /** The route's hostnames (empty: any host). */
  hostnames: string[];
}

const pathOf = (m: RouteMatch) => ({ type: m.path?.type ?? 'PathPrefix', value: m.path?.value ?? '/' });

/** Compares two candidates by the HTTPRoute precedence of the spec for the fields supported here. */
function byPrecedence(host: string) {
  const hostRank = (c: Candidate): [number, number] => {
    if (c.hostnames.length === 0) return [0, 0];
    const h = c.hostnames.find((x) => hostMatches(x, host)) ?? '';
    return h.startsWith('*.') ? [1, h.length] : [2, h.length];
  };
  return (a: Candidate, b: Candidate): number => {
    const [ha, la] = hostRank(a);
    const [hb, lb] = hostRank(b);
    const pa = pathOf(a.match);
    const pb = pathOf(b.match);
    return (
      hb - ha ||
      lb - la ||
      Number(pb.type === 'Exact') - Number(pa.type === 'Exact') ||
      pb.value.length - pa.value.length ||
      Number(b.match.method !== undefined) - Number(a.match.method !== undefined) ||
      (b.match.headers?.length ?? 0) - (a.match.headers?.length ?? 0) ||
      (a.route.metadata.creationTimestamp ?? '').localeCompare(b.route.metadata.creationTimestamp ?? '') ||
      `${a.route.metadata.namespace}/${a.route.metadata.name}`.localeCompare(
        `${b.route.metadata.namespace}/${b.route.metadata.name}`,
      ) ||
      0
    );
  };
}

/** Every (rule, match) of the routes a Gateway serves; a rule without matches matches every path. */
export function candidates(routes: HttpRoute[]): Candidate[] {
  return routes.flatMap((route) =>
    (route.spec?.rules ?? []).flatMap((rule, ruleIndex) =>
      (rule.matches?.length ? rule.matches : [{}]).map((match) => ({
        route,
        ruleIndex,
        rule,
        match,
        hostnames: route.spec?.hostnames ?? [],
      })),
    ),
  );
}

export function hostMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase();
  const p = pattern.toLowerCase();
  return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
}

export function pathMatches(m: RouteMatch, path: string): boolean {
  const { type, value } = pathOf(m);
  if (type === 'Exact') return path === value;
  const prefix = value.replace(/\/+$/, '');
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

export interface RequestView {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

function matchesRequest(c: Candidate, req: RequestView): boolean {
  if (c.hostnames.length > 0 && !c.hostnames.some((p) => hostMatches(p, req.host))) return false;
  if (!pathMatches(c.match, req.path)) return false;
  if (c.match.method && c.match.method !== req.method) return false;
  return (c.match.headers ?? []).every((h) => {
    const v = req.headers[h.name.toLowerCase()];
    return (Array.isArray(v) ? v : [v]).includes(h.value);
  });
}

/**
 * The rule that serves a request: of all matching (rule, match) pairs, the one that ranks first by the
 * spec's precedence (hostname, Exact path, longest prefix, method, most header matches, oldest route,
 * namespace/name); ties within a route go to the first rule in list order (the sort is stable).
 */
export function selectRule(all: Candidate[], req: RequestView): Candidate | undefined {
  const host = req.host.replace(/:\d+$/, '');
  const path = req.path.split('?')[0] ?? '/';
  const matching = all.filter((c) => matchesRequest(c, { ...req, host, path }));
  return matching.sort(byPrecedence(host))[0];
}

/**
 * A weighted random pick (weight defaults to 1; weight 0 is never chosen). `random` is in [0, 1).
 * undefined when every weight is 0 or there is no backendRef (the spec answers 500 then).
 */
export function pickBackend<T extends { weight?: number }>(refs: T[], random: number): T | undefined {
  const total = refs.reduce((s, r) => s + Math.max(0, r.weight ?? 1), 0);
  if (total <= 0) return undefined;
  let x = random * total;
  for (const r of refs) {
    const w = Math.max(0, r.weight ?? 1);
    if (w === 0) continue;
    if (x < w) return r;
    x -= w;
  }
  return refs.findLast((r) => (r.weight ?? 1) > 0);
}

/** The share of requests a RequestMirror filter copies: `percent`, `fraction`, or all of them. */
export function mirrorShare(f: NonNullable<RouteFilter['requestMirror']>): number {
  if (f.percent !== undefined) return f.percent / 100;
  if (f.fraction) return f.fraction.numerator / (f.fraction.denominator ?? 100);
  return 1;
}

/** The mirror backends a request is copied to (each filter decides with its own random draw). */
export function mirrorsFor(rule: RouteRule, randoms: () => number): BackendRef[] {
  return (rule.filters ?? [])
    .filter((f) => f.type === 'RequestMirror' && f.requestMirror)
    .flatMap((f) => {
      const m = f.requestMirror as NonNullable<RouteFilter['requestMirror']>;
      return randoms() < mirrorShare(m) ? [m.backendRef] : [];
    });
}

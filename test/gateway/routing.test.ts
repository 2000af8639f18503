// The test dataplane's routing decisions against the Gateway API HTTPRoute semantics it claims to cover.
import { describe, expect, it } from 'vitest';
import {
  candidates,
  type HttpRoute,
  mirrorShare,
  mirrorsFor,
  parentRefTo,
  pickBackend,
  type RequestView,
  selectRule,
  unsupported,
} from './routing.js';

const svc = (name: string, weight?: number) => ({
  name,
  port: 80,
  ...(weight === undefined ? {} : { weight }),
});
const route = (name: string, spec: HttpRoute['spec'], created = '2026-01-01T00:00:00Z'): HttpRoute => ({
  metadata: { name, namespace: 'ns', generation: 1, creationTimestamp: created },
  spec,
});
const req = (path: string, headers: Record<string, string> = {}, host = 'gw.ns.svc'): RequestView => ({
  method: 'POST',
  host,
  path,
  headers,
});
const served = (routes: HttpRoute[], r: RequestView) => {
  const c = selectRule(candidates(routes), r);
  return c ? `${c.route.metadata.name}#${c.ruleIndex}` : 'none';
};

// The route the operator writes for a release with cohorts (http-route.ts): cohort rule first, then weights.
const operatorRoute = route('orchestrator', {
  parentRefs: [{ name: 'gateway' }],
  rules: [
    {
      matches: [
        { path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'x-ws', value: 'qa' }] },
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'x-ws', value: 'beta' }],
        },
      ],
      backendRefs: [svc('stable', 0), svc('canary', 100)],
    },
    {
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [svc('stable', 90), svc('canary', 10)],
    },
  ],
});

describe('rule selection (HTTPRoute match precedence)', () => {
  it.each([
    ['a cohort header value reaches the cohort rule', req('/v1/invoke', { 'x-ws': 'qa' }), 'orchestrator#0'],
    ['any value of the cohort (matches are ORed)', req('/v1/invoke', { 'x-ws': 'beta' }), 'orchestrator#0'],
    ['another value takes the weighted rule', req('/v1/invoke', { 'x-ws': 'prod' }), 'orchestrator#1'],
    ['no header takes the weighted rule', req('/v1/invoke'), 'orchestrator#1'],
  ])('%s', (_what, r, want) => {
    expect(served([operatorRoute], r)).toBe(want);
  });

  it('ranks a match with more headers first even when its rule is listed last', () => {
    const reversed = route('r', { rules: [...(operatorRoute.spec?.rules ?? [])].reverse() });
    expect(served([reversed], req('/x', { 'x-ws': 'qa' }))).toBe('r#1');
    expect(served([reversed], req('/x'))).toBe('r#0');
  });

  it.each([
    ['Exact path beats any prefix', '/v1/invoke', 'exact#0'],
    ['the longest prefix wins', '/v1/other', 'long#0'],
    ['a prefix matches on path segments only', '/v1x', 'short#0'],
  ])('%s', (_what, path, want) => {
    const routes = [
      route('short', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }] }),
      route('long', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1/' } }] }] }),
      route('exact', { rules: [{ matches: [{ path: { type: 'Exact', value: '/v1/invoke' } }] }] }),
    ];
    expect(served(routes, req(path))).toBe(want);
  });

  it.each([
    ['an exact hostname beats a route without hostnames', 'mirror.ns.svc', 'named#0'],
    ['a host with a port still matches', 'mirror.ns.svc:80', 'named#0'],
    ['a wildcard hostname beats a route without hostnames', 'x.wild.test', 'wild#0'],
    ['other hosts take the route without hostnames', 'gw.ns.svc', 'any#0'],
  ])('%s', (_what, host, want) => {
    const routes = [
      route('any', { rules: [{}] }),
      route('named', { hostnames: ['mirror.ns.svc'], rules: [{}] }),
      route('wild', { hostnames: ['*.wild.test'], rules: [{}] }),
    ];
    expect(served(routes, req('/v1/invoke', {}, host))).toBe(want);
  });

  it('breaks a tie between routes by the oldest, then by namespace/name', () => {
    const a = route('b-route', { rules: [{}] }, '2026-01-01T00:00:00Z');
    const b = route('a-route', { rules: [{}] }, '2026-01-02T00:00:00Z');
    expect(served([b, a], req('/'))).toBe('b-route#0');
    const c = route('a-route', { rules: [{}] }, '2026-01-01T00:00:00Z');
    expect(served([a, c], req('/'))).toBe('a-route#0');
  });

  it('a header match requires the exact value; names are case-insensitive', () => {
    const r = route('h', { rules: [{ matches: [{ headers: [{ name: 'X-Ws', value: 'qa' }] }] }] });
    expect(served([r], req('/', { 'x-ws': 'qa' }))).toBe('h#0');
    expect(served([r], req('/', { 'x-ws': 'QA' }))).toBe('none');
  });
});

describe('weighted backendRefs', () => {
  it.each([
    [[svc('stable', 90), svc('canary', 10)], 0, 'stable'],
    [[svc('stable', 90), svc('canary', 10)], 0.8999, 'stable'],
    [[svc('stable', 90), svc('canary', 10)], 0.9, 'canary'],
    [[svc('stable', 90), svc('canary', 10)], 0.9999, 'canary'],
    [[svc('stable', 0), svc('canary', 100)], 0, 'canary'],
    [[svc('stable', 100), svc('canary', 0)], 0.9999, 'stable'],
    [[svc('a'), svc('b')], 0.49, 'a'],
    [[svc('a'), svc('b')], 0.5, 'b'],
  ])('%j at random %s → %s', (refs, random, want) => {
    expect(pickBackend(refs, random)?.name).toBe(want);
  });

  it('never picks weight 0, and picks nothing when every weight is 0', () => {
    const refs = [svc('zero', 0), svc('one', 1), svc('zero2', 0)];
    for (let i = 0; i < 100; i++) expect(pickBackend(refs, i / 100)?.name).toBe('one');
    expect(pickBackend([svc('a', 0), svc('b', 0)], 0.3)).toBeUndefined();
  });

  it('splits by weight over a uniform sweep of random draws', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const b = pickBackend([svc('stable', 50), svc('canary', 50)], i / 1000)?.name ?? '';
      counts[b] = (counts[b] ?? 0) + 1;
    }
    expect(counts).toEqual({ stable: 500, canary: 500 });
  });
});

describe('RequestMirror', () => {
  it.each([
    [{ backendRef: svc('m') }, 1],
    [{ backendRef: svc('m'), percent: 25 }, 0.25],
    [{ backendRef: svc('m'), fraction: { numerator: 1, denominator: 3 } }, 1 / 3],
    [{ backendRef: svc('m'), fraction: { numerator: 5 } }, 0.05],
  ])('%j mirrors a share of %s', (f, share) => {
    expect(mirrorShare(f)).toBeCloseTo(share, 10);
  });

  it('copies a request to the mirror backend when the draw is under the share', () => {
    const rule = {
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: svc('m'), percent: 50 } }],
    };
    expect(mirrorsFor(rule, () => 0.49).map((b) => b.name)).toEqual(['m']);
    expect(mirrorsFor(rule, () => 0.5)).toEqual([]);
    expect(mirrorsFor({}, () => 0)).toEqual([]);
  });
});

describe('attachment and refusals', () => {
  const gw = { namespace: 'ns', name: 'gateway' };
  it.each([
    [[{ name: 'gateway' }], true],
    [[{ name: 'gateway', namespace: 'ns', kind: 'Gateway', group: 'gateway.networking.k8s.io' }], true],
    [[{ name: 'gateway', namespace: 'other' }], false],
    [[{ name: 'other' }], false],
    [[{ name: 'gateway', kind: 'Service', group: '' }], false],
  ])('parentRefs %j attach: %s', (parentRefs, want) => {
    expect(parentRefTo(route('r', { parentRefs }), gw) !== undefined).toBe(want);
  });

  it.each([
    [{ matches: [{ path: { type: 'RegularExpression', value: '.*' } }] }, 'path.type RegularExpression'],
    [{ matches: [{ headers: [{ type: 'RegularExpression', name: 'a', value: 'b' }] }] }, 'headers type'],
    [{ matches: [{ queryParams: [{ name: 'a', value: 'b' }] }] }, 'queryParams'],
    [{ filters: [{ type: 'URLRewrite' }] }, 'filters[0].type URLRewrite'],
    [{ backendRefs: [{ name: 'x', kind: 'Pod', group: '' }] }, 'kind /Pod'],
  ])('refuses %j naming the field', (rule, field) => {
    expect(unsupported(route('r', { rules: [rule] }))).toContain(field);
  });

  it('accepts the route the operator writes', () => {
    expect(unsupported(operatorRoute)).toBeUndefined();
  });
});

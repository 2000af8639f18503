import { describe, expect, it } from 'vitest';
import {
  HTTP_ROUTE_FIELD_MANAGER,
  type HttpRouteInput,
  observedRouteWeight,
  ownsRouteRules,
  renderHttpRouteApply,
  renderHttpRouteHandback,
  renderHttpRouteRules,
} from './http-route.js';

const ref = { army: 'support', agent: 'orchestrator' };
const input = (over: Partial<HttpRouteInput> = {}): HttpRouteInput => ({
  namespace: 'team',
  ref,
  routing: {
    gatewayAPI: { httpRoute: 'support-public' },
    cohorts: [
      { header: 'x-workspace-id', values: ['ws-1', 'ws-2'] },
      { header: 'x-user-id', values: ['u-9'] },
    ],
  },
  weight: 10,
  cohortsToCanary: true,
  ...over,
});
const weights = (rule: { backendRefs: { name: string; weight: number }[] } | undefined) =>
  rule?.backendRefs.map((b) => `${b.name}=${b.weight}`);

describe('renderHttpRouteRules', () => {
  it.each([0, 1, 10, 50, 99, 100])('writes the exact weight %i to the canary and the rest to stable', (w) => {
    const rules = renderHttpRouteRules(input({ weight: w, cohortsToCanary: false }));
    expect(rules).toHaveLength(1);
    expect(weights(rules[0])).toEqual([
      `support-orchestrator-stable=${100 - w}`,
      `support-orchestrator-canary=${w}`,
    ]);
    expect(rules[0]?.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
  });

  it('puts one cohort rule sending 100% to the canary before the weighted rule, one match per value', () => {
    const rules = renderHttpRouteRules(input());
    expect(rules).toHaveLength(2);
    expect(rules[0]?.matches.map((m) => m.headers)).toEqual([
      [{ type: 'Exact', name: 'x-workspace-id', value: 'ws-1' }],
      [{ type: 'Exact', name: 'x-workspace-id', value: 'ws-2' }],
      [{ type: 'Exact', name: 'x-user-id', value: 'u-9' }],
    ]);
    expect(weights(rules[0])).toEqual(['support-orchestrator-stable=0', 'support-orchestrator-canary=100']);
    expect(weights(rules[1])).toEqual(['support-orchestrator-stable=90', 'support-orchestrator-canary=10']);
  });

  it('leaves cohorts out when no canary runs (they would reach a Service without pods)', () => {
    expect(renderHttpRouteRules(input({ cohortsToCanary: false, weight: 0 }))).toHaveLength(1);
  });

  it('splits more than 64 cohort matches over several rules', () => {
    const values = Array.from({ length: 64 }, (_, i) => `w${i}`);
    const rules = renderHttpRouteRules(
      input({
        routing: {
          gatewayAPI: { httpRoute: 'r' },
          cohorts: [
            { header: 'x-a', values },
            { header: 'x-b', values: ['1'] },
          ],
        },
      }),
    );
    expect(rules.map((r) => r.matches.length)).toEqual([64, 1, 1]);
  });

  it('rejects cohorts needing more matches than an HTTPRoute allows, naming the field', () => {
    const values = Array.from({ length: 64 }, (_, i) => `w${i}`);
    const cohorts = [0, 1].map((i) => ({ header: `x-${i}`, values }));
    expect(() =>
      renderHttpRouteRules(input({ routing: { gatewayAPI: { httpRoute: 'r' }, cohorts } })),
    ).toThrow(/^spec\.trafficRouting\.cohorts: 128 header values/);
  });

  it('adds the Service namespace to backendRefs when the route lives in another namespace', () => {
    const rules = renderHttpRouteRules(
      input({ routing: { gatewayAPI: { httpRoute: 'r', namespace: 'gateways' } }, cohortsToCanary: false }),
    );
    expect(rules[0]?.backendRefs.every((b) => b.namespace === 'team')).toBe(true);
    const same = renderHttpRouteRules(input({ cohortsToCanary: false }));
    expect(same[0]?.backendRefs.some((b) => 'namespace' in b)).toBe(false);
  });

  it('rejects a weight outside 0–100', () => {
    expect(() => renderHttpRouteRules(input({ weight: 101 }))).toThrow(/^weight: /);
  });
});

describe('renderHttpRouteApply', () => {
  it('addresses the user route and carries only spec.rules', () => {
    const apply = renderHttpRouteApply(
      input({ routing: { gatewayAPI: { httpRoute: 'public', namespace: 'gw' } }, cohortsToCanary: false }),
    );
    expect(apply.metadata).toEqual({ name: 'public', namespace: 'gw' });
    expect(Object.keys(apply.spec)).toEqual(['rules']);
    expect(apply.apiVersion).toBe('gateway.networking.k8s.io/v1');
  });

  it('refuses a release without gatewayAPI routing', () => {
    expect(() => renderHttpRouteApply(input({ routing: {} }))).toThrow(/^spec\.trafficRouting\.gatewayAPI/);
  });

  it('reads back the weighted rule weight of a live route, ignoring cohort rules', () => {
    const live = renderHttpRouteApply(input({ weight: 35 }));
    expect(observedRouteWeight(live, ref)).toBe(35);
    expect(observedRouteWeight({ spec: {} }, ref)).toBeUndefined();
    expect(observedRouteWeight(undefined, ref)).toBeUndefined();
  });
});

describe('renderHttpRouteHandback', () => {
  it('stable: one rule sending every request to the agent Service, no canary or per-track backend', () => {
    const body = renderHttpRouteHandback(input(), 'stable');
    expect(body.metadata).toEqual({ name: 'support-public', namespace: 'team' });
    expect(body.spec?.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ group: '', kind: 'Service', name: 'support-orchestrator', port: 80, weight: 100 }],
      },
    ]);
  });

  it('none: identity only, so server-side apply drops the rules the operator owned', () => {
    const body = renderHttpRouteHandback(input(), 'none');
    expect(body).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'support-public', namespace: 'team' },
    });
  });
});

describe('ownsRouteRules', () => {
  const route = (manager: string, fields: Record<string, unknown>, operation = 'Apply') => ({
    metadata: { managedFields: [{ manager, operation, fieldsV1: { 'f:spec': fields } }] },
  });
  it('is true only when the traffic field manager applied spec.rules', () => {
    expect(ownsRouteRules(route(HTTP_ROUTE_FIELD_MANAGER, { 'f:rules': {} }))).toBe(true);
    expect(ownsRouteRules(route('kubectl', { 'f:rules': {} }))).toBe(false);
    expect(ownsRouteRules(route(HTTP_ROUTE_FIELD_MANAGER, { 'f:hostnames': {} }))).toBe(false);
    expect(ownsRouteRules(route(HTTP_ROUTE_FIELD_MANAGER, { 'f:rules': {} }, 'Update'))).toBe(false);
    expect(ownsRouteRules({ metadata: {} })).toBe(false);
    expect(ownsRouteRules(undefined)).toBe(false);
  });
});

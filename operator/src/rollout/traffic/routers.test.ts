import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { canaryRouter } from './canary-router.js';
import { hasStaleFilters, observedMirrorPercent } from './http-route.js';
import { replicaRatioRouter } from './replica-ratio.js';
import type { Routes } from './router.js';
import { serviceSelectorRouter } from './service-selector.js';

const ref = { army: 'support', agent: 'orchestrator' };
const namespace = 'team';
const selectors = (r: Routes) =>
  r.services.map((s) => [s.metadata?.name, s.spec?.selector?.['agentarmy.dev/track'] ?? 'all']);
const ready = (n: number) => ({ status: { readyReplicas: n } }) as V1Deployment;

describe('replica ratio router', () => {
  const router = replicaRatioRouter({ namespace, ref });
  it('keeps one Service over every track whatever the weight; the pods carry the split', () => {
    for (const w of [0, 10, 100])
      expect(selectors(router.setWeights(w))).toEqual([['support-orchestrator', 'all']]);
    expect(router.reset()).toEqual(router.setWeights(0));
    expect(router.setWeights(50).httpRoute).toBeUndefined();
  });
  it('refuses header cohorts, mirroring (naming the field) and weights outside 0–100', () => {
    expect(() => router.setCohorts(10)).toThrow(/cannot match headers/);
    expect(() => router.setMirror(20)).toThrow(/spec\.steps\[\]\.mirror: .*cannot mirror/);
    expect(() => router.setWeights(101)).toThrow(/weight/);
  });
  it.each([
    [9, 1, 10],
    [3, 0, 0],
    [0, 0, undefined],
  ])('status: %i stable and %i canary ready pods route %s%% to the canary', (stable, canary, want) => {
    expect(router.status({ stable: ready(stable), canary: ready(canary) })).toBe(want);
  });
});

describe('Gateway API router', () => {
  const routing = {
    gatewayAPI: { httpRoute: 'orchestrator' },
    cohorts: [{ header: 'x-tenant', values: ['beta'] }],
  };
  const router = canaryRouter({ namespace, ref, routing });
  it('points the agent Service at stable and writes the weights into the HTTPRoute', () => {
    const r = router.setWeights(30);
    expect(router.name).toBe('gatewayAPI');
    expect(selectors(r)).toEqual([
      ['support-orchestrator', 'stable'],
      ['support-orchestrator-stable', 'stable'],
      ['support-orchestrator-canary', 'canary'],
    ]);
    expect(r.httpRoute?.spec.rules).toHaveLength(1);
    expect(router.status(r.httpRoute)).toBe(30);
  });
  it('setCohorts adds the header rule; reset sends everything to stable', () => {
    const r = router.setCohorts(10);
    expect(r.httpRoute?.spec.rules).toHaveLength(2);
    expect(r.httpRoute?.spec.rules[0]?.matches[0]?.headers).toEqual([
      { type: 'Exact', name: 'x-tenant', value: 'beta' },
    ]);
    expect(router.status(router.reset().httpRoute)).toBe(0);
  });
  it('setMirror: every user request to stable, a RequestMirror copy of percent% to the canary Service’s shadow port', () => {
    const r = router.setMirror(20);
    const rules = r.httpRoute?.spec.rules ?? [];
    expect(rules).toHaveLength(1); // no cohort rule: a shadow canary answers no user
    expect(rules[0]?.backendRefs.map((b) => [b.name, b.weight])).toEqual([
      ['support-orchestrator-stable', 100],
      ['support-orchestrator-canary', 0],
    ]);
    expect(rules[0]?.filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: { group: '', kind: 'Service', name: 'support-orchestrator-canary', port: 8081 },
          percent: 20,
        },
      },
    ]);
    // Only the canary Service has the shadow port (to the pods' `shadow` container port, SHADOW_PORT).
    const ports = (name: string) => r.services.find((s) => s.metadata?.name === name)?.spec?.ports;
    expect(ports('support-orchestrator-canary')).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'shadow', port: 8081, targetPort: 'shadow', protocol: 'TCP' },
    ]);
    expect(ports('support-orchestrator-stable')?.map((p) => p.name)).toEqual(['http']);
    expect(ports('support-orchestrator')?.map((p) => p.name)).toEqual(['http']);
    expect(observedMirrorPercent(router.setMirror(20).httpRoute, ref)).toBe(20);
  });
  it('setWeights, setCohorts and reset carry no mirror: they remove the one setMirror wrote', () => {
    const mirrored = router.setMirror(20).httpRoute;
    for (const r of [router.setWeights(10), router.setCohorts(10), router.reset()]) {
      expect(observedMirrorPercent(r.httpRoute, ref)).toBeUndefined();
      expect(hasStaleFilters(mirrored, r.httpRoute?.spec.rules ?? [])).toBe(true);
    }
    expect(hasStaleFilters(mirrored, mirrored?.spec.rules ?? [])).toBe(false);
  });
  it('setMirror refuses a percent outside 1–100, naming the field', () => {
    expect(() => router.setMirror(0)).toThrow(/mirror\.percent/);
  });
});

describe('Service selector router', () => {
  const router = serviceSelectorRouter({ namespace, ref, stable: 'blue', canary: 'green' });
  it.each([
    [0, 'blue'],
    [100, 'green'],
  ])('weight %i: the active Service selects %s, the preview the new color', (w, active) => {
    const r = router.setWeights(w);
    expect(selectors(r)).toEqual([
      ['support-orchestrator', active],
      ['support-orchestrator-preview', 'green'],
    ]);
    expect(router.status(r.services[0])).toBe(w);
  });
  it('switches all at once: no partial weights, no cohorts; an unknown selector has no status', () => {
    expect(() => router.setWeights(50)).toThrow(/0 or 100/);
    expect(() => router.setCohorts(0)).toThrow(/headers/);
    expect(() => router.setMirror(10)).toThrow(/mirror/);
    expect(router.reset()).toEqual(router.setWeights(0));
    expect(router.status(undefined)).toBeUndefined();
  });
});

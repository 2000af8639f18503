// What the test dataplane reports on a route (Accepted / ResolvedRefs at its generation) and how it
// resolves a backendRef to a Service ClusterIP.
import { describe, expect, it } from 'vitest';
import {
  CONTROLLER_NAME,
  judgeRoute,
  parentsWith,
  resolveBackend,
  type ServiceView,
} from './route-status.js';
import type { HttpRoute } from './routing.js';

const services: ServiceView[] = [
  { metadata: { name: 'stable', namespace: 'ns' }, spec: { clusterIP: '10.0.0.10', ports: [{ port: 80 }] } },
  { metadata: { name: 'headless', namespace: 'ns' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
];
const route = (rules: NonNullable<HttpRoute['spec']>['rules'], generation = 3): HttpRoute => ({
  metadata: { name: 'r', namespace: 'ns', generation },
  spec: { parentRefs: [{ name: 'gateway' }], rules },
});

describe('backend resolution', () => {
  it.each([
    [
      { name: 'stable', port: 80 },
      { ok: true, host: '10.0.0.10', port: 80 },
    ],
    [
      { name: 'missing', port: 80 },
      { ok: false, reason: 'BackendNotFound' },
    ],
    [
      { name: 'stable', port: 81 },
      { ok: false, reason: 'BackendNotFound' },
    ],
    [
      { name: 'headless', port: 80 },
      { ok: false, reason: 'BackendNotFound' },
    ],
    [
      { name: 'stable', namespace: 'other', port: 80 },
      { ok: false, reason: 'RefNotPermitted' },
    ],
  ])('%j → %j', (ref, want) => {
    expect(resolveBackend(ref, 'ns', services)).toMatchObject(want);
  });
});

describe('route verdict', () => {
  it('accepts a route it serves and resolves, at the route generation', () => {
    const v = judgeRoute(route([{ backendRefs: [{ name: 'stable', port: 80, weight: 1 }] }], 7), services);
    expect(v).toMatchObject({
      generation: 7,
      accepted: { status: 'True' },
      resolvedRefs: { status: 'True' },
    });
  });

  it('refuses an unsupported rule naming the field, and reports a missing mirror backend', () => {
    const refused = judgeRoute(route([{ filters: [{ type: 'URLRewrite' }] }]), services);
    expect(refused.accepted).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(refused.accepted.message).toContain('spec.rules[0].filters[0].type URLRewrite');
    const mirror = { type: 'RequestMirror', requestMirror: { backendRef: { name: 'gone', port: 80 } } };
    const unresolved = judgeRoute(
      route([{ backendRefs: [{ name: 'stable', port: 80 }], filters: [mirror] }]),
      services,
    );
    expect(unresolved.resolvedRefs).toMatchObject({ status: 'False', reason: 'BackendNotFound' });
  });

  it('replaces only its own parent status entry', () => {
    const other = { parentRef: { name: 'x' }, controllerName: 'example.com/other', conditions: [] };
    const r = { ...route([]), status: { parents: [other, { ...other, controllerName: CONTROLLER_NAME }] } };
    const v = judgeRoute(r, services);
    const parents = parentsWith(r, { name: 'gateway' }, v, '2026-12-03T00:00:00Z');
    expect(parents.map((p) => p.controllerName)).toEqual(['example.com/other', CONTROLLER_NAME]);
    expect(parents[1]?.conditions.map((c) => [c.type, c.status, c.observedGeneration])).toEqual([
      ['Accepted', 'True', 3],
      ['ResolvedRefs', 'True', 3],
    ]);
  });
});

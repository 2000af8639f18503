// Shadow traffic before live traffic, on the real apiserver (Gateway API CRDs v1.6, KWOK pods, the
// operator's controllers in this process):
//  - a `mirror` step writes a RequestMirror filter (percent 20, to the canary Service's shadow port) into the user's
//    HTTPRoute with canary weight 0, only once the canary pods carry agentarmy.dev/traffic=shadow; when the
//    step ends the pods are told `live` and the filter leaves the route as the canary gets its weight;
//  - an abort during the step removes the filter (rollback);
//  - a mirror step without gatewayAPI is refused: Ready=False MirrorNeedsGatewayAPI naming the field, and
//    a Warning Event.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion, secret } from '../army/fixtures.js';
import { installGatewayApiCrds } from '../gateway/start.js';
import {
  applyManifest,
  deleteNamespaces,
  eventually,
  getObject,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { canaryArmy, canaryRelease, startOperatorInProcess } from '../support/delivery.js';

const ns = {
  step: uniqueNamespace('mirror-step'),
  abort: uniqueNamespace('mirror-abort'),
  refused: uniqueNamespace('mirror-refused'),
};
let mgr: Manager | undefined;

interface Mirror {
  type: string;
  requestMirror?: { backendRef: { name: string; port: number }; percent?: number };
}
type Route = {
  spec: { rules?: { filters?: Mirror[]; backendRefs?: { name: string; weight?: number }[] }[] };
};
type Release = {
  status?: {
    phase?: string;
    currentStepIndex?: number;
    canaryWeight?: number;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
};
type PodList = { items: { metadata: { name: string; annotations?: Record<string, string> } }[] };

const route = (n: string) => getObject<Route>(n, 'httproute/orchestrator').then((r) => r as Route);
const release = (n: string) => getObject<Release>(n, 'canaryrelease/orchestrator');
const filters = (r: Route) => (r.spec.rules ?? []).flatMap((x) => x.filters ?? []);
const canaryWeight = (r: Route) =>
  (r.spec.rules ?? [])
    .flatMap((x) => x.backendRefs ?? [])
    .find((b) => b.name === 'support-orchestrator-canary')?.weight;
async function canaryPods(n: string) {
  const out = await kubectlOk(['get', 'pods', '-n', n, '-l', 'agentarmy.dev/track=canary', '-o', 'json']);
  return (JSON.parse(out) as PodList).items;
}
const traffic = (pods: PodList['items']) =>
  pods.map((p) => p.metadata.annotations?.['agentarmy.dev/traffic']);

/** orch-v1 on 4 pods behind HTTPRoute `orchestrator`, a release with `steps`, then orch-v2 asked for. */
async function startRelease(n: string, steps: unknown[], routing: Record<string, unknown>) {
  await kubectlOk(['create', 'namespace', n]);
  await kubectlOk(['apply', '-f', '-'], { input: secret(n) });
  for (const [name, version] of [
    ['orch-v1', '1.0.0'],
    ['orch-v2', '1.1.0'],
  ] as const)
    await kubectlOk(['apply', '-f', '-'], { input: agentVersion(n, name, version) });
  await applyManifest({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'orchestrator', namespace: n },
    spec: { parentRefs: [{ name: 'agents' }] },
  });
  await applyManifest(canaryRelease(n, { trafficRouting: routing, steps }));
  await applyManifest(canaryArmy(n, 'orch-v1', 4));
  await kubectlOk(['wait', 'agentarmy/support', '-n', n, '--for=condition=Ready', '--timeout=90s']);
  await applyManifest(canaryArmy(n, 'orch-v2', 4));
}

/** Waits for the route to mirror to the canary, and checks what holds at that moment. */
async function mirrored(n: string, percent: number) {
  const r = await eventually(
    'the route mirrors to the canary',
    async () => {
      const x = await route(n);
      return filters(x).length > 0 ? x : undefined;
    },
    { timeoutMs: 90_000 },
  );
  expect(filters(r)).toEqual([
    {
      type: 'RequestMirror',
      requestMirror: {
        // The canary Service's shadow port: the runtime stubs side-effect tools for every request on it.
        backendRef: expect.objectContaining({ name: 'support-orchestrator-canary', port: 8081 }),
        percent,
      },
    },
  ]);
  expect(canaryWeight(r)).toBe(0); // users get only stable's answers
  // That port exists on the canary Service only, towards the pods' `shadow` container port.
  const svc = await getObject<{ spec: { ports: unknown[] } }>(n, 'service/support-orchestrator-canary');
  expect(svc?.spec.ports).toContainEqual(
    expect.objectContaining({ name: 'shadow', port: 8081, targetPort: 'shadow' }),
  );
  // The filter is written only once every canary pod was told it is shadow.
  const pods = await canaryPods(n);
  expect(pods.length).toBeGreaterThan(0);
  expect(traffic(pods).every((t) => t === 'shadow')).toBe(true);
  const rel = await release(n);
  expect(rel?.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 0, canaryWeight: 0 });
  return pods;
}

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await installGatewayApiCrds();
  mgr = startOperatorInProcess(Object.values(ns));
}, 120_000);

afterAll(async () => {
  await mgr?.stop();
  await deleteNamespaces(Object.values(ns));
});

describe('mirror step: shadow traffic through the HTTPRoute before live traffic', () => {
  it('mirrors 20% to shadow canary pods at weight 0, then tells them live and weights the route', async () => {
    const n = ns.step;
    await startRelease(n, [{ mirror: { percent: 20, duration: '8s' } }, { setWeight: 25 }, { pause: {} }], {
      gatewayAPI: { httpRoute: 'orchestrator' },
    });
    const shadowPods = await mirrored(n, 20);
    expect(shadowPods).toHaveLength(1); // 20% of 4 pods, rounded up

    const live = await eventually(
      'the canary weighted 25%',
      async () => {
        const x = await route(n);
        return canaryWeight(x) === 25 ? x : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(filters(live)).toEqual([]);
    // The same pods (no restart: the template did not change) were told live before the weight moved.
    const pods = await canaryPods(n);
    expect(pods.map((p) => p.metadata.name)).toEqual(
      expect.arrayContaining(shadowPods.map((p) => p.metadata.name)),
    );
    expect(traffic(pods).every((t) => t === 'live')).toBe(true);
    const rel = await release(n);
    expect(rel?.status?.currentStepIndex).toBeGreaterThanOrEqual(1);
  });

  it('an abort during the step removes the filter and rolls back', async () => {
    const n = ns.abort;
    await startRelease(n, [{ mirror: { percent: 50, duration: '10m' } }, { setWeight: 100 }], {
      gatewayAPI: { httpRoute: 'orchestrator' },
    });
    await mirrored(n, 50);
    await kubectlOk([
      'patch',
      'canaryrelease',
      'orchestrator',
      '-n',
      n,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { control: { id: 'abort-1', action: 'abort' } } }),
    ]);
    const r = await eventually(
      'the filter removed',
      async () => {
        const x = await route(n);
        return filters(x).length === 0 ? x : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(canaryWeight(r)).toBe(0);
    expect((await release(n))?.status?.phase).toBe('RolledBack');
  });

  it('refuses a mirror step without gatewayAPI: Ready=False naming the field, a Warning Event', async () => {
    const n = ns.refused;
    await startRelease(n, [{ mirror: { percent: 20, duration: '1m' } }, { setWeight: 100 }], {});
    const cond = await eventually(
      'the release refused',
      async () =>
        (await release(n))?.status?.conditions?.find(
          (c) => c.type === 'Ready' && c.reason === 'MirrorNeedsGatewayAPI',
        ),
      { timeoutMs: 60_000 },
    );
    expect(cond.status).toBe('False');
    expect(cond.message).toMatch(/^spec\.steps\[0\]\.mirror: .*spec\.trafficRouting\.gatewayAPI/);
    const events = await kubectlOk([
      'get',
      'events',
      '-n',
      n,
      '--field-selector',
      'reason=MirrorNeedsGatewayAPI,type=Warning',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    expect(events).toContain('spec.steps[0].mirror');
    // Nothing started: no canary pod serves a share of the shared Service.
    expect(await canaryPods(n)).toEqual([]);
    expect((await release(n))?.status?.phase ?? 'Idle').toBe('Idle');
  });
});

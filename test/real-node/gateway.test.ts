// Real requests through a Gateway: a canary release in `gatewayAPI` traffic mode on real agent pods, with
// the test Gateway dataplane (test/gateway, a minimal implementation of the HTTPRoute subset the operator
// writes) as a pod on the real node. The operator (in the cluster, from its image) writes the HTTPRoute's
// weights and cohort rules; the dataplane enforces them per request, forwarding through the track
// Services (kube-proxy); the answers' x-agent-version / x-agent-track headers say who served. Measured:
// the canary's share at 10% and 50% (held to ±3σ of the binomial spread of the sample), cohort requests
// (always the canary), and a RequestMirror filter's mirrored share, counted by the mirror's own pods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryRelease, CanaryReleaseStatus } from '../../operator/src/api/v1alpha1/index.js';
import { installGatewayApiCrds, startTestGateway, type TestGateway } from '../gateway/start.js';
import { applyManifest, eventually, getObject, kubectlOk } from '../support/cluster.js';
import { canaryRelease } from '../support/delivery.js';
import { realNodeAvailable, sharesBetween } from '../support/real-node.js';
import { gatewayRoute, requestsServedBy, sendThroughGateway, shareTolerance } from './gateway-world.js';
import { type RealWorld, realArmy, realVersion, startRealWorld, waitForArmy } from './world.js';

const enabled = realNodeAvailable();
let w: RealWorld;
let gw: TestGateway;

const COHORT = { header: 'x-workspace-id', value: 'internal-qa' };
/** Load through the gateway while a weight is held: requests/s and for how long (≈ 1,000 requests). */
const RPS = 50;
const HOLD_MS = 20_000;
const COHORT_REQUESTS = 200;

const agents = (orchestrator: string) => [
  {
    name: 'orchestrator',
    version: orchestrator,
    replicas: 2,
    strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orchestrator' } } },
  },
  // The mirror target of the RequestMirror test: another agent, whose pods count what they receive.
  { name: 'shadow', version: 'shadow-v1', replicas: 1 },
];

const release = async (): Promise<Partial<CanaryReleaseStatus>> =>
  (await getObject<CanaryRelease>(w.ns, 'canaryrelease/orchestrator'))?.status ?? {};

beforeAll(async () => {
  if (!enabled) return;
  await installGatewayApiCrds();
  w = await startRealWorld('real-gateway');
  gw = await startTestGateway(w.ns);
  // The user's route: attached to the Gateway, no rules; the operator writes spec.rules.
  await applyManifest(gatewayRoute(w.ns, 'orchestrator', gw));
  await applyManifest(realVersion(w.ns, 'orch-v1', '1.0.0', 'good'));
  await applyManifest(realVersion(w.ns, 'orch-v2', '2.0.0', 'good'));
  await applyManifest(realVersion(w.ns, 'shadow-v1', '9.0.0', 'good', { agent: 'shadow' }));
  await applyManifest(
    canaryRelease(w.ns, {
      trafficRouting: {
        gatewayAPI: { httpRoute: 'orchestrator' },
        cohorts: [{ header: COHORT.header, values: [COHORT.value] }],
      },
      steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }],
      progressDeadlineSeconds: 120,
    }),
  );
  await applyManifest(realArmy(w.ns, agents('orch-v1')));
  await waitForArmy(w.ns, 'army Ready at 1.0.0 on real pods', (s) => s.phase === 'Ready', 300_000);
}, 600_000);

afterAll(async () => {
  await w?.close();
});

interface LiveRoute {
  metadata: { generation: number };
  spec: {
    rules?: { matches?: { headers?: unknown[] }[]; backendRefs?: { name: string; weight?: number }[] }[];
  };
}

/** The canary weight of the route's weighted rule (the rule without header matches). */
async function routeCanaryWeight(): Promise<number | undefined> {
  const r = await getObject<LiveRoute>(w.ns, 'httproute/orchestrator');
  const weighted = r?.spec.rules?.findLast((x) => !x.matches?.some((m) => (m.headers?.length ?? 0) > 0));
  return weighted?.backendRefs?.find((b) => b.name === 'support-orchestrator-canary')?.weight;
}

const control = (id: string, action: string) =>
  kubectlOk([
    'patch',
    'canaryrelease',
    'orchestrator',
    '-n',
    w.ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { control: { id, action } } }),
  ]);

/** Load through the gateway Service for HOLD_MS; answers by track. */
async function loadThroughGateway(service: 'gateway' | 'gateway-mirror') {
  await w.load.start(gw.serviceUrl(service, '/v1/invoke'), RPS);
  await new Promise((r) => setTimeout(r, HOLD_MS));
  const stats = await w.load.stop();
  return { stats, ...sharesBetween(stats, 0, Number.MAX_SAFE_INTEGER) };
}

describe.runIf(enabled)('Gateway API canary through a real dataplane', () => {
  it('serves the canary its weight at 10% and 50% (±3σ), and every cohort request reaches the canary', async () => {
    const t0 = Date.now();
    await applyManifest(realArmy(w.ns, agents('orch-v2')));
    for (const [weight, pauseIndex] of [
      [10, 1],
      [50, 3],
    ] as const) {
      await eventually(
        `release paused at ${weight}%`,
        async () => {
          const s = await release();
          return s.currentStepIndex === pauseIndex && s.phase === 'Paused' ? s : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 500 },
      );
      expect(await routeCanaryWeight()).toBe(weight);
      await gw.waitForRoute('orchestrator');

      const { stats, byTrack, total } = await loadThroughGateway('gateway');
      const canary = byTrack['2.0.0/canary'] ?? 0;
      const share = canary / Math.max(1, total);
      const tol = shareTolerance(total, weight / 100);
      const cohort = await sendThroughGateway(gw, COHORT_REQUESTS, { [COHORT.header]: COHORT.value });
      const other = await sendThroughGateway(gw, 50, { [COHORT.header]: 'someone-else' });
      process.stderr.write(
        `[real-node gateway] at ${weight}%: canary ${canary} of ${total} = ${(share * 100).toFixed(1)}% ` +
          `(±${(tol * 100).toFixed(1)} points, 3σ), failed ${stats.failed} ${JSON.stringify(stats.failures.slice(0, 3))}; cohort ${JSON.stringify(cohort.byTrack)}; ` +
          `other value ${JSON.stringify(other.byTrack)}\n`,
      );
      expect(stats.failures).toEqual([]);
      expect(total).toBeGreaterThan(500);
      expect(Object.keys(byTrack).sort()).toEqual(['1.0.0/stable', '2.0.0/canary']);
      expect(Math.abs(share - weight / 100)).toBeLessThanOrEqual(tol);
      expect(cohort.failures).toEqual([]);
      expect(cohort.byTrack).toEqual({ '2.0.0/canary': COHORT_REQUESTS });
      expect(other.byTrack['1.0.0/stable'] ?? 0).toBeGreaterThan(0);
      await control(`promote-${weight}`, 'promote');
    }
    await eventually('Promoted', async () => ((await release()).phase === 'Promoted' ? true : undefined), {
      timeoutMs: 180_000,
    });
    process.stderr.write(
      `[real-node gateway] weights and cohorts test: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
    );
  }, 600_000);

  it('copies the share of requests a RequestMirror filter asks for to the mirror, whose answers are dropped', async () => {
    const t0 = Date.now();
    await waitForArmy(w.ns, 'the shadow agent Ready', (s) =>
      (s.agents ?? []).some((a) => a.name === 'shadow' && (a.readyReplicas ?? 0) >= 1),
    );
    await applyManifest(
      gatewayRoute(w.ns, 'mirror', gw, {
        hostnames: [`gateway-mirror.${w.ns}.svc`],
        rules: [
          {
            backendRefs: [{ name: 'support-orchestrator', port: 80 }],
            filters: [
              {
                type: 'RequestMirror',
                requestMirror: { backendRef: { name: 'support-shadow', port: 80 }, percent: 50 },
              },
            ],
          },
        ],
      }),
    );
    await gw.waitForRoute('mirror');
    const before = await requestsServedBy(w.ns, 'shadow');
    const { stats, byTrack, total } = await loadThroughGateway('gateway-mirror');
    // Copies still on their way are answered (or fail) within the runtime's timeout.
    const mirrors = await eventually('mirror copies answered', async () => {
      const m = (await gw.debug()).counters.mirrors['support-shadow'];
      return m && m.answered + m.failed === m.sent ? m : undefined;
    });
    const mirrored = (await requestsServedBy(w.ns, 'shadow')) - before;
    const share = mirrored / Math.max(1, stats.sent);
    const tol = shareTolerance(stats.sent, 0.5);
    process.stderr.write(
      `[real-node gateway] mirror at 50%: shadow pods served ${mirrored} of ${stats.sent} sent = ` +
        `${(share * 100).toFixed(1)}% (±${(tol * 100).toFixed(1)} points, 3σ); dataplane ${JSON.stringify(mirrors)}; ` +
        `answers ${JSON.stringify(byTrack)}; ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
    );
    expect(stats.failures).toEqual([]);
    // Every answer came from the route's backend; the mirror's answers never reached a client.
    expect(Object.keys(byTrack).length).toBeGreaterThan(0);
    expect(Object.keys(byTrack).every((k) => k.endsWith('/stable') && !k.startsWith('9.0.0/'))).toBe(true);
    expect(total).toBe(stats.sent);
    expect(mirrors.failed).toBe(0);
    expect(mirrored).toBe(mirrors.sent);
    expect(Math.abs(share - 0.5)).toBeLessThanOrEqual(tol);
  }, 300_000);
});

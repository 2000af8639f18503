// The operator's `mirror` step on real pods with real traffic through the test Gateway (test/gateway): a
// canary release in gatewayAPI mode whose first step copies 50% of the requests to the canary. Every
// version has a tool `refund` with sideEffects: true, served by the fake tool server as a per-version
// path (/tools/refund-v1, /tools/refund-v2), and the fake model calls it once per request. Proved:
//  - the copies go to the canary Service's shadow port, and no copy calls the tool, from the first one:
//    the load runs before the filter appears, so copies reach canary runtimes the kubelet has not yet told
//    they are shadow (their count is reported);
//  - during the step every answer comes from stable, and the canary pods serve about 50% of the requests
//    as copies (their own agent_requests_total, held to ±3σ of the binomial spread), each with `refund`
//    stubbed (agent_tool_calls_total{outcome="stubbed"}), while stable calls it for real;
//  - the kubelet's downward API refresh: the delay from the pod annotation to the runtime's
//    agent_shadow_traffic gauge, both ways (reported; held only to 90 s);
//  - after the step the filter leaves the route, the canary pods are told `live` before they get weight,
//    and then call the tool for real on live requests, while a request sent to a live pod's shadow port
//    is still stubbed (stubbing follows the port, not the gauge).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryRelease, CanaryReleaseStatus } from '../../operator/src/api/v1alpha1/index.js';
import { installGatewayApiCrds, startTestGateway, type TestGateway } from '../gateway/start.js';
import { applyManifest, eventually, getObject } from '../support/cluster.js';
import { canaryRelease } from '../support/delivery.js';
import { fakeTools, readyPodIp, realNodeAvailable, sharesBetween } from '../support/real-node.js';
import { gatewayRoute, podMetricSum, sendThroughGateway, shareTolerance } from './gateway-world.js';
import { CANARY, CANARY_SVC, canaryModes, routeView, STABLE, watchStep } from './mirror-watch.js';
import { type RealWorld, realArmy, realVersion, startRealWorld, waitForArmy } from './world.js';

const enabled = realNodeAvailable();
let w: RealWorld;
let gw: TestGateway;
let toolsAdmin: string;

const PERCENT = 50;
const RPS = 30;
const HOLD_MS = 20_000;

/** `refund` (sideEffects) as each version sees it, at a path of its own so the tool server tells them apart. */
const refundTool = (ns: string, version: string) => ({
  tools: [
    {
      name: 'refund',
      url: `http://fake-tools.${ns}.svc:8080/tools/refund-${version}`,
      sideEffects: true,
      timeoutSeconds: 5,
    },
  ],
});

/** Real calls the tool server received per path (its /_stats). */
async function toolCalls(path: string): Promise<number> {
  const stats = (await (await fetch(`${toolsAdmin}/_stats`)).json()) as Record<string, { calls: number }>;
  return stats[path]?.calls ?? 0;
}

const stubbed = (selector: string) =>
  podMetricSum(
    w.ns,
    selector,
    (l) => l.startsWith('agent_tool_calls_total{') && l.includes('outcome="stubbed"'),
  );
const served = (selector: string) =>
  podMetricSum(w.ns, selector, (l) => l.startsWith('agent_requests_total{'));

const release = async (): Promise<Partial<CanaryReleaseStatus>> =>
  (await getObject<CanaryRelease>(w.ns, 'canaryrelease/orchestrator'))?.status ?? {};

beforeAll(async () => {
  if (!enabled) return;
  await installGatewayApiCrds();
  // The fake model calls `refund` once per request (the first model call of a turn), then answers.
  w = await startRealWorld('real-mirror', {
    upstream: {
      models: {
        good: { latencyMs: { min: 15, max: 40 }, toolCalls: [{ name: 'refund', arguments: { order: 1 } }] },
      },
    },
  });
  gw = await startTestGateway(w.ns);
  for (const doc of fakeTools(w.ns)) await applyManifest(doc);
  toolsAdmin = `http://${await readyPodIp(w.ns, 'fake-tools')}:8080`;
  await applyManifest(gatewayRoute(w.ns, 'orchestrator', gw));
  await applyManifest(realVersion(w.ns, 'orch-v1', '1.0.0', 'good', refundTool(w.ns, 'v1')));
  await applyManifest(realVersion(w.ns, 'orch-v2', '2.0.0', 'good', refundTool(w.ns, 'v2')));
  await applyManifest(
    canaryRelease(w.ns, {
      trafficRouting: { gatewayAPI: { httpRoute: 'orchestrator' } },
      steps: [{ mirror: { percent: PERCENT, duration: '90s' } }, { setWeight: 50 }, { pause: {} }],
      progressDeadlineSeconds: 180,
    }),
  );
  await applyManifest(realArmy(w.ns, [canaryAgent('orch-v1')]));
  await waitForArmy(w.ns, 'army Ready at 1.0.0 on real pods', (s) => s.phase === 'Ready', 300_000);
}, 600_000);

afterAll(async () => {
  await w?.close();
});

function canaryAgent(version: string) {
  return {
    name: 'orchestrator',
    version,
    replicas: 2,
    strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orchestrator' } } },
  };
}

const seconds = (a?: number, b?: number) =>
  a !== undefined && b !== undefined ? Number(((b - a) / 1000).toFixed(1)) : undefined;

describe.runIf(enabled)('the mirror step on real pods through a Gateway', () => {
  it('copies its share to the canary’s shadow port, where no copy calls a side-effect tool, even before the pods are told shadow; weight once live', async () => {
    const t0 = Date.now();
    const watch = watchStep(w.ns);
    // Load from before the filter exists: the first copies reach canary runtimes whose downward API file
    // may still say live. They must be stubbed all the same, by the port they arrive on.
    await w.load.start(gw.serviceUrl('gateway', '/v1/invoke'), RPS);
    await applyManifest(realArmy(w.ns, [canaryAgent('orch-v2')]));
    await eventually('the RequestMirror filter on the route', async () => watch.at.filter, {
      timeoutMs: 180_000,
    });
    const filter = (await routeView(w.ns)).mirrors[0];
    expect(filter?.requestMirror).toMatchObject({
      backendRef: { name: CANARY_SVC, port: 8081 },
      percent: PERCENT,
    });
    expect((await routeView(w.ns)).weight).toBe(0);
    await gw.waitForRoute('orchestrator');
    // The runtime reads the annotation from a downward API file that the kubelet refreshes on its own time.
    await eventually('every canary runtime reports shadow', async () => watch.at.shadowGauge, {
      timeoutMs: 90_000,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const early = await w.load.stop();
    await settledMirrors();
    const earlyCopies = await served(CANARY);
    const earlyStubbed = await stubbed(CANARY);
    const earlyV2 = await toolCalls('refund-v2');
    process.stderr.write(
      `[real-node mirror] before and while the pods were told shadow: ${early.sent} requests, ` +
        `${earlyCopies} copies served (${watch.copiesWhileLive()} of them by a runtime whose gauge still said live), ` +
        `${earlyStubbed} stubbed, refund-v2 calls ${earlyV2}\n`,
    );
    expect(early.failures).toEqual([]);
    expect(sharesBetween(early, 0, Number.MAX_SAFE_INTEGER).byTrack).toEqual({ '1.0.0/stable': early.sent });
    expect(earlyCopies).toBeGreaterThan(0);
    expect(earlyStubbed).toBe(earlyCopies);
    expect(earlyV2).toBe(0);

    const before = {
      canary: earlyCopies,
      stubbedCanary: earlyStubbed,
      stubbedStable: await stubbed(STABLE),
      v1: await toolCalls('refund-v1'),
      mirrors: await settledMirrors(),
    };
    await w.load.start(gw.serviceUrl('gateway', '/v1/invoke'), RPS);
    await new Promise((r) => setTimeout(r, HOLD_MS));
    const stats = await w.load.stop();
    const after = await settledMirrors();
    const mirrors = {
      sent: after.sent - before.mirrors.sent,
      answered: after.answered - before.mirrors.answered,
      failed: after.failed - before.mirrors.failed,
    };
    const during = await release();
    const mirrored = (await served(CANARY)) - before.canary;
    const stubbedCanary = (await stubbed(CANARY)) - before.stubbedCanary;
    const stubbedStable = (await stubbed(STABLE)) - before.stubbedStable;
    const v1Calls = (await toolCalls('refund-v1')) - before.v1;
    const v2Calls = await toolCalls('refund-v2');
    const share = mirrored / Math.max(1, stats.sent);
    const tol = shareTolerance(stats.sent, PERCENT / 100);
    const { byTrack, total } = sharesBetween(stats, 0, Number.MAX_SAFE_INTEGER);
    process.stderr.write(
      `[real-node mirror] ${stats.sent} requests sent, canary pods served ${mirrored} copies = ` +
        `${(share * 100).toFixed(1)}% (±${(tol * 100).toFixed(1)} points, 3σ); dataplane ${JSON.stringify(mirrors)}; ` +
        `answers ${JSON.stringify(byTrack)}; stubbed on canary ${stubbedCanary}, on stable ${stubbedStable}; ` +
        `tool calls refund-v1 ${v1Calls}, refund-v2 ${v2Calls} since the start\n`,
    );
    expect(stats.failures).toEqual([]);
    // Still in the mirror step: the copies were measured while it held.
    expect(during.currentStepIndex).toBe(0);
    expect((await routeView(w.ns)).mirrors).toHaveLength(1);
    // Every answer came from stable; the canary's answers never reached a client.
    expect(byTrack).toEqual({ '1.0.0/stable': stats.sent });
    expect(total).toBe(stats.sent);
    // A copy the dataplane could not deliver (a connection error; copies are fire-and-forget, never
    // retried) never reached a canary pod: rare (1 of 306 in one run), allowed up to 1%, counted apart.
    expect(mirrors.failed).toBeLessThanOrEqual(Math.ceil(mirrors.sent / 100));
    expect(mirrored).toBe(mirrors.answered);
    expect(Math.abs(share - PERCENT / 100)).toBeLessThanOrEqual(tol);
    // Shadow: one stub per copy on the canary, no real call of the canary version; stable calls for real.
    expect(stubbedCanary).toBe(mirrored);
    expect(v2Calls).toBe(0);
    expect(stubbedStable).toBe(0);
    expect(v1Calls).toBe(stats.sent);

    // After the step: the filter leaves, the pods are told live, and only then does the canary get weight.
    await eventually('canary weight on the route', async () => watch.at.weight, { timeoutMs: 180_000 });
    await eventually('every canary runtime reports live', async () => watch.at.liveGauge, {
      timeoutMs: 90_000,
    });
    await watch.stop();
    const routed = await routeView(w.ns);
    expect(routed.mirrors).toEqual([]);
    expect(routed.weight).toBe(50);
    // The operator's order: pods told shadow before the filter, told live before the weight.
    expect(watch.round.shadowAnnotation as number).toBeLessThanOrEqual(watch.round.filter as number);
    expect(watch.round.liveAnnotation).toBeDefined();
    expect(watch.round.liveAnnotation as number).toBeLessThanOrEqual(watch.round.weight as number);
    // A live pod (its gauge says 0) still stubs what arrives on its shadow port: the port decides.
    const [pod] = (await canaryModes(w.ns)).filter((m) => m.ip && m.gauge === 0);
    expect(pod).toBeDefined();
    const stubbedBefore = await stubbed(CANARY);
    const direct = await invokeAt(`http://${pod?.ip}:8081`);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('x-agent-track')).toBe('canary');
    expect(await stubbed(CANARY)).toBe(stubbedBefore + 1);
    expect(await toolCalls('refund-v2')).toBe(0);

    await gw.waitForRoute('orchestrator');
    const live = await sendThroughGateway(gw, 200);
    const v2Live = await toolCalls('refund-v2');
    const at = watch.at;
    process.stderr.write(
      `[real-node mirror] annotation shadow→gauge ${seconds(at.shadowAnnotation, at.shadowGauge)} s, ` +
        `filter seen in round ${watch.round.filter}, annotation in ${watch.round.shadowAnnotation}, gauge in ${watch.round.shadowGauge} (gauge at the filter ` +
        `${(at.shadowGauge ?? 0) <= (at.filter ?? 0) ? 'already shadow' : 'still live'}); annotation live→gauge ` +
        `${seconds(at.liveAnnotation, at.liveGauge)} s, weight ${seconds(at.liveAnnotation, at.weight)} s after it; ` +
        `live answers ${JSON.stringify(live.byTrack)}, refund-v2 calls ${v2Live}; test ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
    );
    expect(live.failures).toEqual([]);
    expect(live.byTrack['2.0.0/canary'] ?? 0).toBeGreaterThan(0);
    // Every live answer of the canary called the tool for real; no copy ever did.
    expect(v2Live).toBe(live.byTrack['2.0.0/canary']);
  }, 600_000);
});

/** The dataplane's mirror counters for the canary Service once every copy sent has its outcome. */
function settledMirrors() {
  return eventually('mirror copies answered', async () => {
    const m = (await gw.debug()).counters.mirrors[CANARY_SVC] ?? { sent: 0, answered: 0, failed: 0 };
    return m.answered + m.failed === m.sent ? m : undefined;
  });
}

/** One invoke (the fake model calls `refund` once) sent straight to `base`. */
function invokeAt(base: string) {
  return fetch(`${base}/v1/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Refund order 9' }] }),
    signal: AbortSignal.timeout(15_000),
  });
}

// Real containers: canary releases on the real node. The operator runs in the cluster (Helm, its image),
// Prometheus finds the agent pods by Kubernetes service discovery and scrapes the runtime's own metrics,
// and a load generator pod sends traffic through the agent's Service (one connection per request, so
// kube-proxy spreads requests by the ready pods). The canary's share of the traffic is measured, not
// assumed; a failing model and a crashing version are rolled back on those measurements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryRelease, CanaryReleaseStatus } from '../../operator/src/api/v1alpha1/index.js';
import { applyManifest, eventually, getObject, kubectlOk } from '../support/cluster.js';
import { canaryRelease } from '../support/delivery.js';
import { type LoadStats, realNodeAvailable, sharesBetween } from '../support/real-node.js';
import { type RealWorld, realArmy, realVersion, serviceUrl, startRealWorld, waitForArmy } from './world.js';

const enabled = realNodeAvailable();
let w: RealWorld;

type Release = CanaryRelease;
const release = async (): Promise<Partial<CanaryReleaseStatus>> =>
  (await getObject<Release>(w.ns, 'canaryrelease/orchestrator'))?.status ?? {};

const canaryAgent = (version: string) => ({
  name: 'orchestrator',
  version,
  replicas: 10,
  strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orchestrator' } } },
});

/** Steps: 10% held 15 s, analysis, 50% held 15 s, analysis, 100%. */
const PAUSE_AT = { 10: 1, 50: 4 } as const;

beforeAll(async () => {
  if (!enabled) return;
  w = await startRealWorld('real-canary', { prometheus: true });
  await applyManifest(realVersion(w.ns, 'orch-v1', '1.0.0', 'good'));
  await applyManifest(realVersion(w.ns, 'orch-v11', '1.1.0', 'flaky'));
  await applyManifest(realVersion(w.ns, 'orch-v12', '1.2.0', 'good'));
  // A config the runtime refuses at start (it exits 1 naming the variable): its pods crash-loop.
  await applyManifest(
    realVersion(w.ns, 'orch-v13', '1.3.0', 'good', { env: [{ name: 'MAX_CONCURRENCY', value: '-1' }] }),
  );
  await applyManifest(
    canaryRelease(w.ns, {
      steps: [
        { setWeight: 10 },
        { pause: { duration: '15s' } },
        { analysis: {} },
        { setWeight: 50 },
        { pause: { duration: '15s' } },
        { analysis: {} },
        { setWeight: 100 },
      ],
      analysis: {
        provider: { prometheus: { address: w.prometheus?.url, timeout: '5s' } },
        interval: '2s',
        count: 2,
        window: '10s',
        minSampleSize: 10,
        maxErrorRate: 0.05,
      },
      progressDeadlineSeconds: 120,
    }),
  );
  await applyManifest(realArmy(w.ns, [canaryAgent('orch-v1')]));
  await waitForArmy(w.ns, 'army Ready at 1.0.0 on 10 real pods', (s) => s.phase === 'Ready', 300_000);
  await w.load.startAnswered(serviceUrl(w.ns, 'support-orchestrator'), 40, { keepAlive: false });
}, 600_000);

afterAll(async () => {
  await w?.close();
});

/** The canary's measured share while the release holds a weight (its pause step), in [0, 1]. */
async function measuredShareAt(weight: 10 | 50, version: string): Promise<{ share: number; total: number }> {
  const step = await eventually(
    `release holding ${weight}%`,
    async () => {
      const s = await release();
      return s.currentStepIndex === PAUSE_AT[weight] && s.stepStartedAt ? s : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
  const from = Date.parse(step.stepStartedAt ?? '') + 2000;
  await eventually(
    'the pause to end',
    async () => ((await release()).currentStepIndex ?? 0) > PAUSE_AT[weight] || undefined,
    {
      timeoutMs: 60_000,
    },
  );
  const stats = await w.load.stats();
  const { byTrack, total } = sharesBetween(stats, from, from + 12_000);
  return { share: (byTrack[`${version}/canary`] ?? 0) / Math.max(1, total), total };
}

function failuresBetween(stats: LoadStats, fromMs: number, toMs: number) {
  return stats.failures.filter((f) => f.at >= fromMs && f.at < toMs);
}

describe.runIf(enabled)('canary releases on real pods', () => {
  it('rolls back a version whose model fails 30%, measured by Prometheus on the real pods; stable keeps serving', async () => {
    await applyManifest(realArmy(w.ns, [canaryAgent('orch-v11')]));
    const { share } = await measuredShareAt(10, '1.1.0').catch(() => ({ share: Number.NaN }));
    const rolledBack = await eventually(
      'RolledBack',
      async () => {
        const s = await release();
        return s.phase === 'RolledBack' && s.toVersion === 'orch-v11' ? s : undefined;
      },
      { timeoutMs: 180_000 },
    );
    const measured = rolledBack.analysisRuns
      ?.at(-1)
      ?.measurements.find((m) => m.metric === 'error-rate' && m.result === 'Fail');
    process.stderr.write(
      `[real-node] flaky canary: share at 10% ${share.toFixed(3)}, error rate measured ${measured?.value}\n`,
    );
    expect(measured?.value).toBeGreaterThan(0.1);
    expect(rolledBack.canaryWeight).toBe(0);
    await eventually('canary scaled to zero', async () => {
      const d = await getObject<{ spec: { replicas: number } }>(
        w.ns,
        'deployment/support-orchestrator-canary',
      );
      return d?.spec.replicas === 0 || undefined;
    });
    // After the canary pods are gone (preStop + drain), every request is answered by stable.
    const after = Date.parse(rolledBack.finishedAt ?? '') + 10_000;
    await new Promise((r) => setTimeout(r, Math.max(0, after + 8000 - Date.now())));
    const stats = await w.load.stats();
    expect(failuresBetween(stats, after, after + 8000)).toEqual([]);
    const { byTrack } = sharesBetween(stats, after, after + 8000);
    expect(Object.keys(byTrack)).toEqual(['1.0.0/stable']);
  });

  it('promotes a healthy version 10% → 50% → 100%, with the canary measured at about its weight', async () => {
    await applyManifest(realArmy(w.ns, [canaryAgent('orch-v12')]));
    const at10 = await measuredShareAt(10, '1.2.0');
    const at50 = await measuredShareAt(50, '1.2.0');
    process.stderr.write(
      `[real-node] measured canary share: at 10% ${(at10.share * 100).toFixed(1)}% of ${at10.total}, at 50% ${(at50.share * 100).toFixed(1)}% of ${at50.total}\n`,
    );
    // 1 of 10 pods and 5 of 10 pods; kube-proxy picks a pod at random per connection.
    expect(at10.share).toBeGreaterThan(0.03);
    expect(at10.share).toBeLessThan(0.2);
    expect(at50.share).toBeGreaterThan(0.35);
    expect(at50.share).toBeLessThan(0.65);
    await eventually(
      'Promoted',
      async () => {
        const s = await release();
        return s.phase === 'Promoted' && s.toVersion === 'orch-v12' ? s : undefined;
      },
      { timeoutMs: 180_000 },
    );
    const s = await waitForArmy(
      w.ns,
      'army Ready at 1.2.0',
      (s) => s.phase === 'Ready' && s.agents?.[0]?.stableVersion === 'orch-v12',
    );
    expect(s.agents?.[0]?.readyReplicas).toBe(10);
  });

  it('rolls back a version whose pods crash-loop (the crash-loop rule), quoting why the runtime exits', async () => {
    const t0 = Date.now();
    await applyManifest(realArmy(w.ns, [canaryAgent('orch-v13')]));
    const rolledBack = await eventually(
      'RolledBack by the crash-loop rule',
      async () => {
        const s = await release();
        return s.phase === 'RolledBack' && s.toVersion === 'orch-v13' ? s : undefined;
      },
      { timeoutMs: 180_000 },
    );
    expect(rolledBack.message).toMatch(/CrashLoop/);
    const events = JSON.parse(
      await kubectlOk([
        'get',
        'events',
        '-n',
        w.ns,
        '--field-selector',
        'involvedObject.kind=CanaryRelease,reason=RolledBack',
        '-o',
        'json',
      ]),
    ) as { items: { message: string }[] };
    expect(events.items.some((e) => e.message.includes('orch-v13'))).toBe(true);
    const a = await waitForArmy(
      w.ns,
      'army back on 1.2.0',
      (s) => s.agents?.[0]?.stableVersion === 'orch-v12',
    );
    expect(a.agents?.[0]?.stableVersion).toBe('orch-v12');
    const stats = await w.load.stats();
    // The crashing pods never became ready, so the Service never sent them a request.
    expect(failuresBetween(stats, t0, Date.now())).toEqual([]);
    expect(sharesBetween(stats, t0, Date.now()).byTrack['1.3.0/canary'] ?? 0).toBe(0);
  });
});

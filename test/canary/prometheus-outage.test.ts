// A Prometheus that goes away in the middle of a canary analysis never lets the release promote: the
// measurements turn to Error, and after consecutiveErrorLimit the release does what
// consecutiveErrorAction says (here Pause: it holds at its weight for a human, with a Warning Event).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion } from '../army/fixtures.js';
import { applyManifest, eventually, getObject, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import {
  canaryArmy,
  canaryRelease,
  type DeliveryWorld,
  simulatedTrack,
  startDeliveryWorld,
  startOperatorInProcess,
} from '../support/delivery.js';

const ns = uniqueNamespace('prom-outage');
let mgr: Manager | undefined;
let world: DeliveryWorld | undefined;

type Release = CanaryRelease;
const release = () => getObject<Release>(ns, 'canaryrelease/orchestrator');
const apply = applyManifest;
const army = (version: string) => canaryArmy(ns, version);

beforeAll(async () => {
  world = await startDeliveryWorld(
    ns,
    [simulatedTrack(ns, '1.0.0', 'stable', 0.01), simulatedTrack(ns, '1.1.0', 'canary', 0.01)],
    '10s',
  );
  const { prom } = world;
  await apply(agentVersion(ns, 'orch-v1', '1.0.0'));
  await apply(agentVersion(ns, 'orch-v11', '1.1.0'));
  await apply(
    canaryRelease(ns, {
      steps: [{ setWeight: 25 }, { analysis: {} }, { setWeight: 100 }],
      analysis: {
        provider: { prometheus: { address: prom.url, timeout: '2s' } },
        interval: '1s',
        count: 1000,
        window: '10s',
        minSampleSize: 5,
        maxErrorRate: 0.05,
        // Data may lag the first ticks; only errors are under test here.
        inconclusiveLimit: 100,
        consecutiveErrorLimit: 2,
        consecutiveErrorAction: 'Pause',
      },
    }),
  );
  mgr = startOperatorInProcess([ns]);
}, 120_000);

afterAll(async () => {
  await mgr?.stop();
  await world?.close();
});

describe('Prometheus stops in the middle of an analysis', () => {
  it('turns measurements to Error and pauses at the same weight, never promoting', async () => {
    await apply(army('orch-v1'));
    await kubectlOk(['wait', 'agentarmy/support', '-n', ns, '--for=condition=Ready', '--timeout=60s']);
    await apply(army('orch-v11'));
    await eventually(
      'analysis to pass at least once with Prometheus up',
      async () => ((await release())?.status?.analysisRuns?.at(-1)?.successful ?? 0) >= 1 || undefined,
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    await world?.prom.stop();
    const paused = await eventually(
      'the release to pause on analysis errors',
      async () => {
        const r = await release();
        return r?.status?.phase === 'Paused' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(paused.status?.pauseReason).toBe('AnalysisError');
    expect(paused.status?.canaryWeight).toBe(25);
    const run = paused.status?.analysisRuns?.at(-1);
    expect(run?.phase).toBe('Error');
    expect(run?.measurements.at(-1)?.result).toBe('Error');
    // It stays paused: no later pass promotes it while Prometheus is gone.
    await new Promise((r) => setTimeout(r, 3000));
    const later = await release();
    expect(later?.status?.phase).toBe('Paused');
    expect(later?.status?.canaryWeight).toBe(25);
    const events = await kubectlOk([
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      'reason=AnalysisError',
      '-o',
      'name',
    ]);
    expect(events.trim()).not.toBe('');
  });
});

// Bounded work: releases whose metrics address never answers (a tenant can name one) do not hold the
// operator's workers. Eight releases point at a black hole (a TCP server that accepts and never answers,
// 30 s query timeout) on an operator with 4 workers; a failing canary in the same namespace, measured by
// a real Prometheus, must still be rolled back one analysis interval after its analysis step starts.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AgentArmy, CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion } from '../army/fixtures.js';
import { applyManifest, eventually, getObject, uniqueNamespace } from '../support/cluster.js';
import {
  canaryArmy,
  canaryRelease,
  type DeliveryWorld,
  simulatedTrack,
  startDeliveryWorld,
  startOperatorInProcess,
} from '../support/delivery.js';

const ns = uniqueNamespace('black-hole');
const HOLES = 8;
const INTERVAL_S = 2;
let world: DeliveryWorld | undefined;
let mgr: Manager | undefined;
let hole: Server | undefined;
const sockets: Socket[] = [];
let holeAddress = '';

const steps = [{ setWeight: 10 }, { analysis: {} }, { setWeight: 100 }];
const analysis = (address: string) => ({
  provider: { prometheus: { address, timeout: '30s' } },
  interval: `${INTERVAL_S}s`,
  count: 5,
  window: '15s',
  minSampleSize: 10,
  maxErrorRate: 0.05,
});
/** Army `name` with one canary agent driven by release `name` (the black-hole ones). */
const holeArmy = (name: string, version: string) => {
  const a = canaryArmy(ns, version, 4);
  a.metadata.name = name;
  const agent = a.spec.agents[0] as { strategy: { canary: { canaryReleaseRef: { name: string } } } };
  agent.strategy.canary.canaryReleaseRef.name = name;
  return a;
};
const holeRelease = (name: string) => {
  const r = canaryRelease(ns, { steps, analysis: analysis(holeAddress) });
  r.metadata.name = name;
  (r.spec.targetRef as { army: string }).army = name;
  return r;
};
const status = async (name: string) => (await getObject<CanaryRelease>(ns, `canaryrelease/${name}`))?.status;

beforeAll(async () => {
  hole = createServer((s) => sockets.push(s)); // accepts, reads nothing, answers nothing
  await new Promise<void>((r) => hole?.listen(0, '127.0.0.1', r));
  const port = (hole.address() as { port: number }).port;
  holeAddress = `http://127.0.0.1:${port}`;
  world = await startDeliveryWorld(
    ns,
    [simulatedTrack(ns, '1.0.0', 'stable', 0.01), simulatedTrack(ns, '1.1.0', 'canary', 0.3)],
    '15s',
  );
  await applyManifest(agentVersion(ns, 'orch-v1', '1.0.0'));
  await applyManifest(agentVersion(ns, 'orch-v11', '1.1.0'));
  for (let i = 1; i <= HOLES; i++) {
    await applyManifest(holeRelease(`hole-${i}`));
    await applyManifest(holeArmy(`hole-${i}`, 'orch-v1'));
  }
  await applyManifest(canaryRelease(ns, { steps, analysis: analysis(world.prom.url) }));
  await applyManifest(canaryArmy(ns, 'orch-v1'));
  mgr = startOperatorInProcess([ns]); // --concurrency 4 (the chart's default)
  for (const army of ['support', ...Array.from({ length: HOLES }, (_, i) => `hole-${i + 1}`)]) {
    await eventually(
      `${army} Ready at orch-v1`,
      async () => {
        const a = await getObject<AgentArmy>(ns, `agentarmy/${army}`);
        return a?.status?.phase === 'Ready' && a.status.agents?.[0]?.stableVersion === 'orch-v1'
          ? true
          : undefined;
      },
      { timeoutMs: 90_000 },
    );
  }
}, 300_000);

afterAll(async () => {
  await mgr?.stop();
  for (const s of sockets) s.destroy();
  hole?.close();
  await world?.close();
});

describe('a black-hole metrics address', () => {
  it("does not delay another release's rollback: a failing canary is rolled back one interval after its analysis starts", {
    timeout: 300_000,
  }, async () => {
    for (let i = 1; i <= HOLES; i++) await applyManifest(holeArmy(`hole-${i}`, 'orch-v11'));
    // Every black-hole release is analysing: its ticks hang on the address.
    await eventually(
      'the black-hole releases in their analysis step',
      async () => {
        for (let i = 1; i <= HOLES; i++)
          if ((await status(`hole-${i}`))?.currentStepIndex !== 1) return undefined;
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    await applyManifest(stringify(canaryArmy(ns, 'orch-v11')));
    const analysing = await eventually('the failing canary analysing', async () => {
      const s = await status('orchestrator');
      return s?.currentStepIndex === 1 && s.stepStartedAt ? s : undefined;
    });
    const rolledBack = await eventually(
      'the failing canary rolled back',
      async () => {
        const s = await status('orchestrator');
        return s?.phase === 'RolledBack' ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const seconds =
      (Date.parse(rolledBack.finishedAt ?? '') - Date.parse(analysing.stepStartedAt ?? '')) / 1000;
    process.stderr.write(
      `[black-hole] ${HOLES} releases on a black hole: rollback ${seconds} s after the analysis step started\n`,
    );
    expect(rolledBack.canaryWeight).toBe(0);
    // One interval to the first tick, plus 2 s (timestamps have second precision).
    expect(seconds).toBeLessThanOrEqual(INTERVAL_S + 2);
    // The black-hole releases are still waiting on their address, not failed by the operator.
    expect((await status('hole-1'))?.phase).toBe('Progressing');
  });
});

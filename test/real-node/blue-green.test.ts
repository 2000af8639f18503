// Real containers: a BlueGreen agent on the real node. The active Service's selector is what the operator
// switches; requests sent through that Service show which color answers (the runtime's x-agent-track),
// before the switch, after a promote, and after an abort that switches back — without a failed request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyManifest, eventually, kubectlOk } from '../support/cluster.js';
import { realNodeAvailable, sharesBetween } from '../support/real-node.js';
import { type RealWorld, realArmy, realVersion, serviceUrl, startRealWorld, waitForArmy } from './world.js';

const enabled = realNodeAvailable();
let w: RealWorld;

const blueGreenAgent = (version: string) => ({
  name: 'orchestrator',
  version,
  replicas: 2,
  strategy: { type: 'BlueGreen', blueGreen: { autoPromote: false, scaleDownDelaySeconds: 120 } },
});

const control = (id: string, action: string) =>
  kubectlOk([
    'patch',
    'agentarmy',
    'support',
    '-n',
    w.ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { control: { id, action, agent: 'orchestrator' } } }),
  ]);

/** Who answered requests sent through the active Service during the next `ms`. */
async function answeredOver(ms: number) {
  const from = Date.now() + 1000;
  await new Promise((r) => setTimeout(r, ms + 2000));
  const stats = await w.load.stats();
  return {
    ...sharesBetween(stats, from, from + ms),
    failures: stats.failures.filter((f) => f.at >= from - 1000),
  };
}

beforeAll(async () => {
  if (!enabled) return;
  w = await startRealWorld('real-bg');
  await applyManifest(realVersion(w.ns, 'orch-v1', '1.0.0', 'good'));
  await applyManifest(realVersion(w.ns, 'orch-v2', '1.1.0', 'good'));
  await applyManifest(realArmy(w.ns, [blueGreenAgent('orch-v1')]));
  await waitForArmy(w.ns, 'army Ready on blue', (s) => s.phase === 'Ready', 240_000);
  await w.load.startAnswered(serviceUrl(w.ns, 'support-orchestrator'), 30, { keepAlive: false });
}, 500_000);

afterAll(async () => {
  await w?.close();
});

describe.runIf(enabled)('blue-green on real pods', () => {
  it('keeps users on blue while green previews, switches the active Service on promote, and back on abort', async () => {
    await applyManifest(realArmy(w.ns, [blueGreenAgent('orch-v2')]));
    await waitForArmy(w.ns, 'green preview Ready, waiting for promote', (s) =>
      /promote/.test(s.agents?.[0]?.message ?? ''),
    );
    const preview = await answeredOver(4000);
    expect(Object.keys(preview.byTrack)).toEqual(['1.0.0/blue']);

    await control('promote-1', 'promote');
    await waitForArmy(w.ns, 'active color green', (s) => s.agents?.[0]?.activeColor === 'green');
    // kube-proxy follows the Service's new selector within a second or two.
    await eventually(
      'requests answered by green',
      async () => {
        const s = await answeredOver(2000);
        return s.byTrack['1.1.0/green'] && !s.byTrack['1.0.0/blue'] ? s : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const switched = await answeredOver(4000);
    process.stderr.write(`[real-node] after promote: ${JSON.stringify(switched.byTrack)}\n`);
    expect(Object.keys(switched.byTrack)).toEqual(['1.1.0/green']);

    await control('abort-1', 'abort');
    await waitForArmy(w.ns, 'switched back to blue', (s) => s.agents?.[0]?.activeColor === 'blue');
    await eventually(
      'requests answered by blue again',
      async () => {
        const s = await answeredOver(2000);
        return s.byTrack['1.0.0/blue'] && !s.byTrack['1.1.0/green'] ? s : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const back = await answeredOver(3000);
    expect(Object.keys(back.byTrack)).toEqual(['1.0.0/blue']);
    const stats = await w.load.stop();
    process.stderr.write(`[real-node] blue-green: ${stats.sent} requests, ${stats.failed} failed\n`);
    expect(stats.failures).toEqual([]);
  });
});

// Real containers: a RollingUpdate army on the real node, with the operator installed by Helm from its
// image. Pods run agent-runtime (the image of agent-runtime/Dockerfile) under the securityContext the
// operator renders, answer through their Service, and roll to a new version under steady load without a
// failed request. Pods that cannot start, or never pass readiness, are reported — not counted as ready.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyManifest, kubectlOk } from '../support/cluster.js';
import { realNodeAvailable, sharesBetween } from '../support/real-node.js';
import {
  agentPods,
  armyWarnings,
  type RealWorld,
  realArmy,
  realVersion,
  serviceUrl,
  startRealWorld,
  startToReadySeconds,
  waitForArmy,
} from './world.js';

const enabled = realNodeAvailable();
let w: RealWorld;

beforeAll(async () => {
  if (!enabled) return;
  w = await startRealWorld('real-roll');
  await applyManifest(realVersion(w.ns, 'orch-v1', '1.0.0', 'good'));
  await applyManifest(realVersion(w.ns, 'orch-v11', '1.1.0', 'good'));
  await applyManifest(realVersion(w.ns, 'res-v1', '1.0.0', 'good', { agent: 'researcher' }));
}, 400_000);

afterAll(async () => {
  await w?.close();
});

describe.runIf(enabled)('a RollingUpdate army on real containers', () => {
  it('becomes Ready with pods the kubelet runs as uid 1000 and reports Ready by their real probes', async () => {
    await applyManifest(realArmy(w.ns, [{ name: 'orchestrator', version: 'orch-v1', replicas: 2 }]));
    const s = await waitForArmy(w.ns, 'army Ready on real pods', (s) => s.phase === 'Ready');
    expect(s.agents?.[0]).toMatchObject({ phase: 'Ready', readyReplicas: 2, stableVersion: 'orch-v1' });
    const pods = await agentPods(w.ns);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.spec.nodeName).toBe('real-0');
      expect(p.status.containerStatuses?.[0]?.ready).toBe(true);
      expect(p.status.containerStatuses?.[0]?.state).toHaveProperty('running');
    }
    // The process really runs as the numeric user (what the kubelet verified for runAsNonRoot).
    const id = await kubectlOk([
      'exec',
      '-n',
      w.ns,
      pods[0]?.metadata.name ?? '',
      '--',
      'node',
      '-e',
      'process.stdout.write(process.getuid() + ":" + process.getgid())',
    ]);
    expect(id).toBe('1000:1000');
    const startups = pods.map(startToReadySeconds);
    process.stderr.write(
      `[real-node] pod start → Ready: ${startups.map((s) => s?.toFixed(1)).join(', ')} s\n`,
    );
    for (const s of startups) expect(s).toBeDefined();
  });

  it('answers through its Service, and rolls to a new version under steady load with 0 failed requests', async () => {
    const target = serviceUrl(w.ns, 'support-orchestrator');
    // The Service was created with the first ready pod; kube-proxy programs it a moment later. The
    // measurement starts once requests are answered.
    await w.load.startAnswered(target, 40);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    await kubectlOk([
      'patch',
      'agentarmy',
      'support',
      '-n',
      w.ns,
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/agents/0/version","value":"orch-v11"}]',
    ]);
    await waitForArmy(
      w.ns,
      'army Ready at 1.1.0',
      (s) => s.phase === 'Ready' && s.agents?.[0]?.stableVersion === 'orch-v11',
    );
    // Old pods finish their preStop sleep and drain after the rollout is reported complete.
    await waitForPodsGone(w.ns, 'agentarmy.dev/version=1.0.0');
    await new Promise((r) => setTimeout(r, 2000));
    const stats = await w.load.stop();
    const { byTrack, total } = sharesBetween(stats, t0, Date.now());
    const failures = stats.failures.filter((f) => f.at >= t0);
    process.stderr.write(
      `[real-node] rolling update under load: ${total} answered and ${failures.length} failed from the version change to the end, ${JSON.stringify(byTrack)}\n`,
    );
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThan(100);
    expect(byTrack['1.0.0/stable']).toBeGreaterThan(0);
    expect(byTrack['1.1.0/stable']).toBeGreaterThan(0);
  });

  it("says why a pod cannot start (the kubelet's reason and message) and turns Degraded past the progress deadline", async () => {
    // A user env that references a Secret key that does not exist: the kubelet cannot create the container.
    await applyManifest(
      realArmy(w.ns, [
        { name: 'orchestrator', version: 'orch-v11', replicas: 2 },
        {
          name: 'researcher',
          version: 'res-v1',
          replicas: 1,
          progressDeadlineSeconds: 20,
          env: [{ name: 'EXTRA', valueFrom: { secretKeyRef: { name: 'missing', key: 'k' } } }],
        },
      ]),
    );
    const s = await waitForArmy(
      w.ns,
      'researcher reports CreateContainerConfigError',
      (s) => s.agents?.find((a) => a.name === 'researcher')?.reason === 'CreateContainerConfigError',
    );
    const agent = s.agents?.find((a) => a.name === 'researcher');
    expect(agent?.phase).toBe('Progressing');
    expect(agent?.message).toMatch(/secret "missing" not found/);
    const warnings = await armyWarnings(w.ns);
    expect(warnings.filter((e) => e.reason === 'CreateContainerConfigError')).toHaveLength(1);
    const degraded = await waitForArmy(
      w.ns,
      'researcher Degraded after 20 s without progress',
      (s) => s.agents?.find((a) => a.name === 'researcher')?.phase === 'Degraded',
      120_000,
    );
    expect(degraded.agents?.find((a) => a.name === 'researcher')).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
    });
    expect(degraded.agents?.find((a) => a.name === 'researcher')?.message).toContain(
      'CreateContainerConfigError',
    );
    expect(degraded.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'ProgressDeadlineExceeded',
    });
    // The other agent keeps serving.
    expect(degraded.agents?.find((a) => a.name === 'orchestrator')?.phase).toBe('Ready');
  });

  it('never counts a pod that fails its readiness probe as ready, and its Service sends it no request', async () => {
    // HOST=127.0.0.1 makes the runtime listen on loopback only: the container runs, but the kubelet's
    // probes to the pod IP fail. The rollout to that version stalls with the old pods serving.
    await applyManifest(
      realVersion(w.ns, 'orch-v12', '1.2.0', 'good', { env: [{ name: 'HOST', value: '127.0.0.1' }] }),
    );
    await applyManifest(realArmy(w.ns, [{ name: 'orchestrator', version: 'orch-v11', replicas: 2 }]));
    await waitForArmy(
      w.ns,
      'army back to one Ready agent',
      (s) => s.phase === 'Ready' && s.agents?.length === 1,
    );
    await w.load.start(serviceUrl(w.ns, 'support-orchestrator'), 30);
    const t0 = Date.now();
    await kubectlOk([
      'patch',
      'agentarmy',
      'support',
      '-n',
      w.ns,
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/agents/0/version","value":"orch-v12"}]',
    ]);
    await eventuallyRunningNotReady(w.ns, 'agentarmy.dev/version=1.2.0');
    await new Promise((r) => setTimeout(r, 5000));
    const s = await waitForArmy(
      w.ns,
      'the stalled rollout reported',
      (s) => s.agents?.[0]?.phase === 'Progressing',
    );
    expect(s.phase).toBe('Progressing');
    expect(s.agents?.[0]?.stableVersion).toBe('orch-v11');
    expect(s.agents?.[0]?.readyReplicas).toBe(2); // the two 1.1.0 pods, not the unready 1.2.0 one
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    const stats = await w.load.stop();
    const { byTrack } = sharesBetween(stats, t0, Date.now());
    expect(byTrack['1.2.0/stable'] ?? 0).toBe(0);
    expect(byTrack['1.1.0/stable']).toBeGreaterThan(50);
    expect(stats.failed).toBe(0);
  });
});

async function waitForPodsGone(ns: string, selector: string) {
  const deadline = Date.now() + 120_000;
  while ((await agentPods(ns, selector)).length > 0) {
    if (Date.now() > deadline) throw new Error(`pods ${selector} still there`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function eventuallyRunningNotReady(ns: string, selector: string) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const pods = await agentPods(ns, selector);
    const p = pods.find((x) => !x.metadata.deletionTimestamp);
    const cs = p?.status.containerStatuses?.[0];
    if (cs && 'running' in cs.state && !cs.ready) return;
    if (Date.now() > deadline)
      throw new Error(`${selector} pod not Running/unready: ${JSON.stringify(p?.status)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// One measured round of the peer, Argo Rollouts, on the same fresh bench cluster configuration as the
// operator's rounds: as many canary Rollouts as the operator round has agents (2 replicas each, over the
// same namespaces), created at once by server-side apply from 16 parallel requests once the controller
// runs; time until every Rollout is Healthy counted from a watch; peak RSS, CPU and writes of the controller
// process; then its writes over the same steady-state window as the operator's.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from '../../operator/src/kube/api-client.js';
import { benchClient, type Workload } from './army-load.js';
import type { BenchCluster } from './bench-cluster.js';
import { measureSteady, RoundStopped, waitAllReady } from './drive.js';
import {
  PEER_CRD_FILES,
  PeerProcess,
  peerCrds,
  peerName,
  peerWrites,
  peerWritesByVerbKind,
} from './peer-process.js';
import { cpuSecondsOf, memoryOf, RssSampler } from './proc-stats.js';
import { delta } from './prom-text.js';
import { ReadyWatch } from './ready-watch.js';
import { SystemSampler } from './system-sampler.js';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
const STALL_MS = 90_000;
const GROUP = '/apis/argoproj.io/v1alpha1';

/** The i-th Rollout: one workload like one agent of an army (2 replicas), with a canary strategy. */
export function rolloutManifest(namespace: string, i: number, replicas: number) {
  const name = `agent-${String(i).padStart(4, '0')}`;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'agent', image: 'example.invalid/agent-runtime:1.0.0' }] },
      },
      strategy: {
        canary: {
          steps: [
            { setWeight: 10 },
            { pause: { duration: 10 } },
            { setWeight: 50 },
            { pause: { duration: 10 } },
          ],
        },
      },
    },
  };
}

/** A Rollout whose status says Healthy for its current spec. */
export function rolloutIsHealthy(obj: unknown): boolean {
  const r = obj as { status?: { phase?: string } };
  return r.status?.phase === 'Healthy';
}

async function createRollouts(client: KubeClient, w: Workload, count: number, parallel = 16) {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const namespace = w.namespaces[i % w.namespaces.length] ?? '';
      const body = rolloutManifest(namespace, i, w.replicas);
      await client.request({
        method: 'PATCH',
        path: `${GROUP}/namespaces/${namespace}/rollouts/${body.metadata.name}`,
        query: { fieldManager: 'agent-army-bench', force: true },
        body,
        contentType: 'application/apply-patch+yaml',
        discardResponse: true,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return (performance.now() - t0) / 1000;
}

export async function runPeerRound(o: {
  cluster: BenchCluster;
  workload: Workload;
  label: string;
  args: string[];
  steadySeconds: number;
  deadline: number;
  logDir: string;
  onProcess?: (p: PeerProcess | undefined) => void;
}) {
  const w = o.workload;
  const count = w.armies * w.agents.length;
  const log = (msg: string) => process.stderr.write(`[bench ${o.label}] ${msg}\n`);
  const load = { start: loadavg().map((l) => round(l)), end: [] as number[] };
  let t = performance.now();
  const kubeconfig = await o.cluster.up();
  const clusterUpS = (performance.now() - t) / 1000;
  const crdArgs = PEER_CRD_FILES.flatMap((f) => ['-f', join(peerCrds, f)]);
  await o.cluster.kubectlOk(['apply', '--server-side', '--force-conflicts', ...crdArgs]);
  await o.cluster.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...crdArgs]);
  const client = benchClient(kubeconfig);
  for (const name of [...w.namespaces, 'argo-rollouts'])
    await client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${name}`,
      query: { fieldManager: 'agent-army-bench', force: true },
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      contentType: 'application/apply-patch+yaml',
      discardResponse: true,
    });
  log(`cluster up in ${round(clusterUpS, 1)} s; starting ${peerName} ${o.args.join(' ')}`);

  const logFile = join(o.logDir, `peer-${o.label.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '')}.log`);
  t = performance.now();
  const peer = await PeerProcess.start({ kubeconfig, logFile, args: o.args });
  o.onProcess?.(peer);
  const rss = new RssSampler(peer.pid).start();
  const system = new SystemSampler(() => ({ ...o.cluster.componentPids(), peer: peer.pid })).start();
  let readiness: ReadyWatch | undefined;
  /** performance.now() of the first create: the machine's figures cover from there to all ready. */
  let createdAt: number | undefined;
  const check = () => {
    if (peer.exitedWith) throw new Error(`${peerName} exited: ${peer.exitedWith}`);
  };
  try {
    await peer.waitReady(60_000);
    const startupS = (performance.now() - t) / 1000;
    const cpuIdle = cpuSecondsOf(peer.pid) ?? Number.NaN;
    const idleRss = memoryOf(peer.pid)?.rssBytes ?? Number.NaN;
    const before = await peer.scrape();
    log(`${peerName} ready in ${round(startupS, 1)} s; creating ${count} Rollouts`);
    const t0 = performance.now();
    createdAt = t0;
    readiness = new ReadyWatch(client, {
      path: `${GROUP}/rollouts`,
      isReady: rolloutIsHealthy,
      expected: count,
      log,
    });
    const created = createRollouts(client, w, count);
    let createS = Number.NaN;
    void created.then((s) => {
      createS = s;
    });
    const { timeToAllReadyS, timeline } = await waitAllReady({
      readiness,
      expected: count,
      t0,
      deadline: o.deadline,
      stallMs: STALL_MS,
      what: 'Rollouts',
      log,
      check,
      progress: async () => ({ writes: peerWrites(delta(before, await peer.scrape())) }),
    });
    await readiness.stop();
    await created;
    const cpuAtReady = cpuSecondsOf(peer.pid) ?? Number.NaN;
    const atReady = delta(before, await peer.scrape());
    log(`all ${count} Rollouts Healthy after ${round(timeToAllReadyS, 1)} s`);
    const steadyRun =
      o.steadySeconds > 0
        ? await measureSteady({
            pid: peer.pid,
            scrape: () => peer.scrape(),
            writesOf: peerWrites,
            seconds: o.steadySeconds,
            deadline: o.deadline,
            log,
            check,
          })
        : null;
    const cpuTotal = cpuSecondsOf(peer.pid) ?? Number.NaN;
    const hwm = memoryOf(peer.pid)?.hwmBytes ?? Number.NaN;
    rss.stop();
    system.stop();
    load.end = loadavg().map((l) => round(l));
    const peakRss = mib(Math.max(hwm, rss.peakBytes));
    const writesToReady = peerWrites(atReady);
    const { inWindow, ...steady } = steadyRun ?? { inWindow: [] };
    return {
      label: o.label,
      metrics: {
        timeToAllReadyS: round(timeToAllReadyS, 1),
        peakRssMiB: peakRss,
        cpuSecondsToReady: round(cpuAtReady),
        writesToReady,
        steadyWrites: steadyRun?.writes ?? null,
        steadyWritesPerMin: steadyRun?.writesPerMin ?? null,
      },
      peer: peerName,
      args: o.args,
      rollouts: count,
      clusterUpS: round(clusterUpS, 1),
      controllerStartupS: round(startupS),
      createS: round(createS),
      writesToReady: { total: writesToReady, byVerbKind: peerWritesByVerbKind(atReady) },
      memoryMiB: { peakRss, vmHwm: mib(hwm), idleAfterStart: mib(idleRss), atEnd: mib(rss.lastBytes) },
      cpuSeconds: {
        startup: round(cpuIdle),
        toAllReady: round(cpuAtReady),
        afterReady: round(cpuTotal - cpuAtReady),
        total: round(cpuTotal),
      },
      steady: steadyRun ? { ...steady, byVerbKind: peerWritesByVerbKind(inWindow) } : null,
      loadAverage: load,
      system: system.report({ from: t0, until: readiness.allReadyAt }),
      log: logFile,
      timeline,
    };
  } catch (err) {
    if (err instanceof RoundStopped) {
      system.stop();
      err.system = system.report({ from: createdAt });
    }
    throw err;
  } finally {
    system.stop();
    rss.stop();
    await readiness?.stop();
    await peer.stop();
    o.onProcess?.(undefined);
  }
}

export type PeerRoundResult = Awaited<ReturnType<typeof runPeerRound>>;

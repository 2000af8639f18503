// One measured round of the operator on a fresh bench cluster: start the operator, create every army at
// once, wait (from a watch) until all are Ready, let it settle, then count its writes over the steady window.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/cluster.js';
import {
  armyIsReady,
  benchClient,
  createArmies,
  createPrerequisites,
  deploymentIsReady,
  type Workload,
} from './army-load.js';
import type { BenchCluster } from './bench-cluster.js';
import { measureSteady, RoundStopped, waitAllReady } from './drive.js';
import { errorSummary, type OperatorBuild, OperatorProcess } from './operator-process.js';
import { cpuSecondsOf, memoryOf, RssSampler } from './proc-stats.js';
import { breakdown, delta, histogramQuantile, type Sample, sumOf } from './prom-text.js';
import { ReadyWatch } from './ready-watch.js';
import { SystemSampler } from './system-sampler.js';

export interface RoundOptions {
  cluster: BenchCluster;
  build: OperatorBuild;
  workload: Workload;
  concurrency: number;
  /** Names the round in logs, file names and the table (e.g. "operator", "operator --optimize-for-size"). */
  label: string;
  logLevel: string;
  resyncPeriod: string;
  steadySeconds: number;
  /** Epoch ms after which the round stops (the round's limit within the benchmark's budget). */
  deadline: number;
  logDir: string;
  nodeArgs?: string[];
  /** Called with the operator once it runs, so the caller can kill it on an abrupt exit. */
  onOperator?: (op: OperatorProcess | undefined) => void;
}

const WRITES = 'agentarmy_api_writes_total';
const RECONCILES = 'controller_runtime_reconcile_total';
const RECONCILE_TIME = 'controller_runtime_reconcile_time_seconds';
const army = { controller: 'agentarmy' };
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
/** A round stops early when neither the Ready count nor the Deployment applies move for this long. */
const STALL_MS = 90_000;
const ms = (seconds: number | null) => (seconds === null ? null : round(seconds * 1000, 1));
const operatorWrites = (samples: Sample[]) => sumOf(samples, WRITES);

export async function runRound(o: RoundOptions) {
  const w = o.workload;
  const log = (msg: string) => process.stderr.write(`[bench ${o.label}] ${msg}\n`);
  const load = { start: loadavg().map((l) => round(l)), end: [] as number[] };
  let t = performance.now();
  const kubeconfig = await o.cluster.up();
  const clusterUpS = (performance.now() - t) / 1000;
  const version = JSON.parse(await o.cluster.kubectlOk(['version', '-o', 'json'])) as {
    serverVersion?: { gitVersion?: string };
  };
  const crds = join(repoRoot, 'crds');
  await o.cluster.kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', crds]);
  await o.cluster.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
  const client = benchClient(kubeconfig);
  await createPrerequisites(client, w);
  log(`cluster up in ${round(clusterUpS, 1)} s (${o.cluster.opts.nodes} nodes); starting the operator`);

  const logFile = join(
    o.logDir,
    `operator-${o.label.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '')}.log`,
  );
  t = performance.now();
  const op = await OperatorProcess.start({ ...o, kubeconfig, logFile });
  o.onOperator?.(op);
  const rss = new RssSampler(op.pid).start();
  const system = new SystemSampler(() => ({ ...o.cluster.componentPids(), operator: op.pid })).start();
  let readiness: ReadyWatch | undefined;
  /** performance.now() of the first create: the machine's figures cover from there to all ready. */
  let createdAt: number | undefined;
  let deploymentReadiness: ReadyWatch | undefined;
  try {
    await op.waitReady(60_000);
    const startupS = (performance.now() - t) / 1000;
    const cpuIdle = cpuSecondsOf(op.pid) ?? Number.NaN;
    const idleRss = memoryOf(op.pid)?.rssBytes ?? Number.NaN;
    const before = await op.scrape();

    log(`operator ready in ${round(startupS, 1)} s; creating ${w.armies} armies`);
    const t0 = performance.now();
    createdAt = t0;
    const elapsed = () => (performance.now() - t0) / 1000;
    readiness = new ReadyWatch(client, {
      path: '/apis/agentarmy.dev/v1alpha1/agentarmies',
      isReady: armyIsReady,
      expected: w.armies,
      log,
    });
    // Also when the last Deployment had all its pods Ready: the gap to the last army Ready is the
    // operator's own status latency at the end of the run.
    deploymentReadiness = new ReadyWatch(client, {
      path: '/apis/apps/v1/deployments',
      labelSelector: 'app.kubernetes.io/managed-by=agent-army',
      isReady: deploymentIsReady,
      expected: w.armies * w.agents.length,
      log,
    });
    const created = createArmies(client, w);
    let createArmiesS = Number.NaN;
    void created.then((s) => {
      createArmiesS = s;
    });
    const expectedDeployments = w.armies * w.agents.length;
    let allDeploymentsAppliedS: number | null = null;
    const { timeToAllReadyS, timeline } = await waitAllReady({
      readiness,
      expected: w.armies,
      t0,
      deadline: o.deadline,
      stallMs: STALL_MS,
      what: 'armies',
      log,
      check: () => {
        if (op.exitedWith) throw new Error(`operator exited: ${op.exitedWith}`);
      },
      progress: async () => {
        const deploymentsApplied = sumOf(delta(before, await op.scrape()), WRITES, {
          verb: 'apply',
          kind: 'Deployment',
        });
        if (allDeploymentsAppliedS === null && deploymentsApplied >= expectedDeployments)
          allDeploymentsAppliedS = round(elapsed(), 1);
        return { deploymentsApplied, deploymentsReady: deploymentReadiness?.count ?? 0 };
      },
      onStall: () =>
        `operator errors: ${
          errorSummary(logFile, 3)
            .map((e) => `${e.count}× ${e.message}`)
            .join(' | ') || 'none'
        }`,
    });
    const lastDeploymentReadyAt = deploymentReadiness.allReadyAt;
    const allDeploymentsReadyS =
      lastDeploymentReadyAt === undefined ? null : (lastDeploymentReadyAt - t0) / 1000;
    await readiness.stop();
    await deploymentReadiness.stop();
    await created;
    const cpuAtReady = cpuSecondsOf(op.pid) ?? Number.NaN;
    const atReady = delta(before, await op.scrape());
    log(`all ${w.armies} armies Ready after ${round(timeToAllReadyS, 1)} s`);

    const steadyRun =
      o.steadySeconds > 0
        ? await measureSteady({
            pid: op.pid,
            scrape: () => op.scrape(),
            writesOf: operatorWrites,
            seconds: o.steadySeconds,
            deadline: o.deadline,
            log,
            check: () => {
              if (op.exitedWith) throw new Error(`operator exited in the steady window: ${op.exitedWith}`);
            },
          })
        : null;
    const steady = steadyRun && {
      settleS: steadyRun.settleS,
      windowS: steadyRun.windowS,
      writes: steadyRun.writes,
      writesPerMin: steadyRun.writesPerMin,
      byVerbKind: breakdown(steadyRun.inWindow, WRITES, ['verb', 'kind']),
      reconciles: sumOf(steadyRun.inWindow, RECONCILES, army),
      reconcilesAllControllers: sumOf(steadyRun.inWindow, RECONCILES),
      cpuSeconds: steadyRun.cpuSeconds,
    };
    const cpuTotal = cpuSecondsOf(op.pid) ?? Number.NaN;
    const hwm = memoryOf(op.pid)?.hwmBytes ?? Number.NaN;
    rss.stop();
    system.stop();
    load.end = loadavg().map((l) => round(l));

    const reconcilesToReady = sumOf(atReady, RECONCILES, army);
    const peakRss = mib(Math.max(hwm, rss.peakBytes));
    const writesToReady = sumOf(atReady, WRITES);
    return {
      label: o.label,
      metrics: {
        timeToAllReadyS: round(timeToAllReadyS, 1),
        peakRssMiB: peakRss,
        cpuSecondsToReady: round(cpuAtReady),
        writesToReady,
        steadyWrites: steady?.writes ?? null,
        steadyWritesPerMin: steady?.writesPerMin ?? null,
      },
      concurrency: o.concurrency,
      nodeArgs: o.nodeArgs ?? [],
      kubernetes: version.serverVersion?.gitVersion ?? 'unknown',
      clusterUpS: round(clusterUpS, 1),
      operatorStartupS: round(startupS, 2),
      createArmiesS: round(createArmiesS, 2),
      allDeploymentsAppliedS,
      timeToAllReadyS: round(timeToAllReadyS, 1),
      allDeploymentsReadyS: allDeploymentsReadyS === null ? null : round(allDeploymentsReadyS, 1),
      reconciles: {
        agentarmy: reconcilesToReady,
        byResult: breakdown(atReady, RECONCILES, ['result'], army),
        errors: sumOf(atReady, 'controller_runtime_reconcile_errors_total', army),
        workqueueRetries: sumOf(atReady, 'workqueue_retries_total'),
        agentversion: sumOf(atReady, RECONCILES, { controller: 'agentversion' }),
        agentversionErrors: sumOf(atReady, 'controller_runtime_reconcile_errors_total', {
          controller: 'agentversion',
        }),
        errorMessages: errorSummary(logFile),
      },
      reconcilesPerSec: round(reconcilesToReady / timeToAllReadyS, 1),
      reconcileTimeMs: {
        p50: ms(histogramQuantile(atReady, RECONCILE_TIME, 0.5, army)),
        p99: ms(histogramQuantile(atReady, RECONCILE_TIME, 0.99, army)),
        mean: ms(
          sumOf(atReady, `${RECONCILE_TIME}_sum`, army) /
            Math.max(1, sumOf(atReady, `${RECONCILE_TIME}_count`, army)),
        ),
      },
      queueWaitMs: {
        p50: ms(histogramQuantile(atReady, 'workqueue_queue_duration_seconds', 0.5, { name: 'agentarmy' })),
        p99: ms(histogramQuantile(atReady, 'workqueue_queue_duration_seconds', 0.99, { name: 'agentarmy' })),
      },
      writesToReady: {
        total: writesToReady,
        byVerbKind: breakdown(atReady, WRITES, ['verb', 'kind']),
      },
      memoryMiB: {
        peakRss,
        peakRssSampled: mib(rss.peakBytes),
        vmHwm: mib(hwm),
        idleAfterCacheSync: mib(idleRss),
        atEnd: mib(rss.lastBytes),
        samples: rss.samples,
      },
      cpuSeconds: {
        startup: round(cpuIdle),
        toAllReady: round(cpuAtReady),
        creationPhase: round(cpuAtReady - cpuIdle),
        afterReady: round(cpuTotal - cpuAtReady),
        total: round(cpuTotal),
      },
      steady,
      loadAverage: load,
      system: system.report({ from: t0, until: readiness.allReadyAt }),
      operatorLog: logFile,
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
    await readiness?.stop();
    await deploymentReadiness?.stop();
    rss.stop();
    await op.stop();
    o.onOperator?.(undefined);
  }
}

export type RoundResult = Awaited<ReturnType<typeof runRound>>;

// One measured round of the operator benchmark on a fresh bench cluster: start the operator, create every
// army at once, wait until all are Ready, let it settle, then count its writes over the steady window.
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
import { errorSummary, type OperatorBuild, OperatorProcess } from './operator-process.js';
import { cpuSecondsOf, memoryOf, RssSampler } from './proc-stats.js';
import { breakdown, delta, histogramQuantile, sumOf } from './prom-text.js';
import { ReadyWatch } from './ready-watch.js';

export interface RoundOptions {
  cluster: BenchCluster;
  build: OperatorBuild;
  workload: Workload;
  concurrency: number;
  /** Names the round in logs, file names and the table (e.g. "c=4", "c=4 plain node"). */
  label: string;
  logLevel: string;
  resyncPeriod: string;
  steadySeconds: number;
  /** Epoch ms after which the round gives up (the benchmark's time budget). */
  deadline: number;
  logDir: string;
  nodeArgs?: string[];
  /** Called with the operator once it runs, so the caller can kill it on an abrupt exit. */
  onOperator?: (op: OperatorProcess | undefined) => void;
}

export interface TimelinePoint {
  t: number;
  ready: number;
  deploymentsApplied: number;
}

const WRITES = 'agentarmy_api_writes_total';
const RECONCILES = 'controller_runtime_reconcile_total';
const RECONCILE_TIME = 'controller_runtime_reconcile_time_seconds';
const army = { controller: 'agentarmy' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
/** A round fails early when neither the Ready count nor the Deployment applies move for this long. */
const STALL_MS = 90_000;
const ms = (seconds: number | null) => (seconds === null ? null : round(seconds * 1000, 1));

function checkBudget(deadline: number, phase: string): void {
  if (Date.now() > deadline) throw new Error(`time budget exhausted while ${phase}`);
}

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
  let readiness: ReadyWatch | undefined;
  let deploymentReadiness: ReadyWatch | undefined;
  try {
    await op.waitReady(60_000);
    const startupS = (performance.now() - t) / 1000;
    const cpuIdle = cpuSecondsOf(op.pid) ?? Number.NaN;
    const idleRss = memoryOf(op.pid)?.rssBytes ?? Number.NaN;
    const before = await op.scrape();

    log(`operator ready in ${round(startupS, 1)} s; creating ${w.armies} armies`);
    const t0 = performance.now();
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
    const timeline: TimelinePoint[] = [];
    const expectedDeployments = w.armies * w.agents.length;
    let deploymentsApplied = 0;
    let allDeploymentsAppliedS: number | null = null;
    let ready = 0;
    let createArmiesS = Number.NaN;
    void created.then((s) => {
      createArmiesS = s;
    });
    let lastProgress = { at: performance.now(), mark: '' };
    for (let tick = 0; ; tick++) {
      checkBudget(
        o.deadline,
        `waiting for armies to become Ready (${ready}/${w.armies} after ${round(elapsed())} s)`,
      );
      const mark = `${ready}/${deploymentsApplied}`;
      if (mark !== lastProgress.mark) lastProgress = { at: performance.now(), mark };
      if (performance.now() - lastProgress.at > STALL_MS) {
        const errors = errorSummary(logFile, 3).map((e) => `${e.count}× ${e.message}`);
        throw new Error(
          `no progress for ${STALL_MS / 1000} s at ${ready}/${w.armies} Ready, ${deploymentsApplied} Deployments applied; operator errors: ${errors.join(' | ') || 'none'}`,
        );
      }
      ready = readiness.count;
      if (tick % 2 === 0 || ready === w.armies) {
        deploymentsApplied = sumOf(delta(before, await op.scrape()), WRITES, {
          verb: 'apply',
          kind: 'Deployment',
        });
        if (allDeploymentsAppliedS === null && deploymentsApplied >= expectedDeployments) {
          allDeploymentsAppliedS = round(elapsed(), 1);
        }
      }
      timeline.push({ t: round(elapsed(), 1), ready, deploymentsApplied });
      if (ready === w.armies) break;
      if (tick % 10 === 0)
        log(`${round(elapsed())} s: ${ready}/${w.armies} Ready, ${deploymentsApplied} Deployments applied`);
      await sleep(Math.max(0, t0 + (tick + 1) * 1000 - performance.now()));
    }
    // The moment of the watch event that made the last army Ready, not the poll that noticed it.
    const timeToAllReadyS = ((readiness.allReadyAt ?? performance.now()) - t0) / 1000;
    const lastDeploymentReadyAt = deploymentReadiness.allReadyAt;
    const allDeploymentsReadyS =
      lastDeploymentReadyAt === undefined ? null : (lastDeploymentReadyAt - t0) / 1000;
    await readiness.stop();
    await deploymentReadiness.stop();
    await created;
    const cpuAtReady = cpuSecondsOf(op.pid) ?? Number.NaN;
    const atReady = delta(before, await op.scrape());
    log(`all ${w.armies} armies Ready after ${round(timeToAllReadyS, 1)} s`);

    const steady = o.steadySeconds > 0 ? await measureSteadyState(op, o, log) : null;
    const cpuTotal = cpuSecondsOf(op.pid) ?? Number.NaN;
    const hwm = memoryOf(op.pid)?.hwmBytes ?? Number.NaN;
    rss.stop();
    load.end = loadavg().map((l) => round(l));

    const reconcilesToReady = sumOf(atReady, RECONCILES, army);
    return {
      label: o.label,
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
        total: sumOf(atReady, WRITES),
        byVerbKind: breakdown(atReady, WRITES, ['verb', 'kind']),
      },
      memoryMiB: {
        peakRss: mib(Math.max(hwm, rss.peakBytes)),
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
      operatorLog: logFile,
      timeline,
    };
  } finally {
    await readiness?.stop();
    await deploymentReadiness?.stop();
    rss.stop();
    await op.stop();
    o.onOperator?.(undefined);
  }
}

/** Waits for 10 quiet seconds (the last status patches may trail the Ready count), then counts the
 * operator's writes and reconciles over the steady-state window. */
async function measureSteadyState(op: OperatorProcess, o: RoundOptions, log: (msg: string) => void) {
  log('all Ready; settling');
  const tSettle = performance.now();
  let lastWrites = sumOf(await op.scrape(), WRITES);
  let quietSince = performance.now();
  while (performance.now() - quietSince < 10_000 && performance.now() - tSettle < 60_000) {
    checkBudget(o.deadline, 'settling after all armies were Ready');
    await sleep(2000);
    const writes = sumOf(await op.scrape(), WRITES);
    if (writes !== lastWrites) quietSince = performance.now();
    lastWrites = writes;
  }
  const settleS = (performance.now() - tSettle) / 1000;

  log(`steady-state window of ${o.steadySeconds} s`);
  const w0 = await op.scrape();
  const cpu0 = cpuSecondsOf(op.pid) ?? Number.NaN;
  const tw = performance.now();
  while (performance.now() - tw < o.steadySeconds * 1000) {
    checkBudget(o.deadline, 'measuring the steady-state window');
    await sleep(Math.min(5000, o.steadySeconds * 1000 - (performance.now() - tw)));
    if (op.exitedWith) throw new Error(`operator exited during the steady window: ${op.exitedWith}`);
  }
  const windowS = (performance.now() - tw) / 1000;
  const inWindow = delta(w0, await op.scrape());
  const writes = sumOf(inWindow, WRITES);
  return {
    settleS: round(settleS, 1),
    windowS: round(windowS, 1),
    writes,
    writesPerMin: round((writes / windowS) * 60, 1),
    byVerbKind: breakdown(inWindow, WRITES, ['verb', 'kind']),
    reconciles: sumOf(inWindow, RECONCILES, army),
    reconcilesAllControllers: sumOf(inWindow, RECONCILES),
    cpuSeconds: round((cpuSecondsOf(op.pid) ?? Number.NaN) - cpu0),
  };
}

export type RoundResult = Awaited<ReturnType<typeof runRound>>;

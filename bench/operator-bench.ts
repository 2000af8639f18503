// Benchmark: the operator at scale. 333 AgentArmies × 3 agents × 2 replicas (999 Deployments, ~2,000 KWOK
// pods) created at once on the benchmark's own 25-node KWOK cluster (controller-manager and scheduler at
// 300 qps, bench/kwokctl-bench.yaml); one round per operator --concurrency, each on a fresh cluster.
//   npx tsx bench/operator-bench.ts
// Env: BENCH_ARMIES (333), BENCH_CONCURRENCY ("4,16"; "none": only the floor rounds), BENCH_STEADY_SECONDS (120), BENCH_NODES (25),
//      BENCH_NAMESPACES (3; armies round-robin, each namespace with its own Secret and AgentVersions),
//      BENCH_BUDGET_SECONDS (2400), BENCH_RESYNC ("1m"), BENCH_LOG_LEVEL ("info"), BENCH_OPERATOR_RUN
//      ("dist" = tsc build run with the image's node flags from operator/Dockerfile's ENTRYPOINT, like the
//      image; "tsx"), BENCH_NODE_ARGS (extra node flags for the operator, e.g. "--cpu-prof
//      --cpu-prof-dir=/tmp/prof"), BENCH_PLAIN_NODE ("1": one more round at the first concurrency without the
//      image's node flags, to show what they buy), BENCH_NODE_VARIANTS ("|"-separated node flag sets, e.g.
//      "--max-semi-space-size=1|--optimize-for-size": one more round at the first concurrency for each,
//      run with those flags instead of the image's), BENCH_BASELINE_REV (a git revision: one more round at the
//      first concurrency with the operator built from that revision and its image's node flags — before
//      and after in one run), BENCH_FLOORS ("all,staged,deployments" or "none": rounds with no operator that
//      apply the rendered children directly — the control plane's own floor; see lib/floor-round.ts).
// Writes bench/results/operator.json (also on failure, with the error) and prints a table. The cluster
// and the operator are always cleaned up, also on a timeout or Ctrl-C.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../test/support/cluster.js';
import { BenchCluster } from './lib/bench-cluster.js';
import { FLOOR_MODES, type FloorMode, type FloorResult, runFloorRound } from './lib/floor-round.js';
import {
  buildOperator,
  imageNodeFlags,
  type OperatorBuild,
  type OperatorProcess,
  sourcesAt,
} from './lib/operator-process.js';
import { type RoundResult, runRound } from './lib/round.js';
import { evaluate, peer, printTable, targets } from './lib/verdict.js';

const env = z
  .object({
    BENCH_ARMIES: z.coerce.number().int().min(1).max(2000).default(333),
    BENCH_CONCURRENCY: z
      .string()
      .regex(/^(none|\d+(,\d+)*)$/, 'must be a comma-separated list of whole numbers, e.g. 4,16, or none')
      .default('4,16')
      .transform((s) => (s === 'none' ? [] : s.split(',').map(Number))),
    BENCH_STEADY_SECONDS: z.coerce.number().min(5).max(600).default(120),
    BENCH_NAMESPACES: z.coerce.number().int().min(1).max(50).default(3),
    BENCH_NODES: z.coerce.number().int().min(1).max(200).default(25),
    BENCH_BUDGET_SECONDS: z.coerce.number().min(60).max(3600).default(2400),
    BENCH_FLOORS: z
      .string()
      .default(FLOOR_MODES.join(','))
      .transform((s) => (s === 'none' ? [] : s.split(',')))
      .pipe(z.array(z.enum(FLOOR_MODES))),
    BENCH_PLAIN_NODE: z.enum(['0', '1']).default('1'),
    BENCH_BASELINE_REV: z
      .string()
      .regex(/^[\w./-]*$/, 'must be a git revision (hash, tag or branch)')
      .default(''),
    BENCH_NODE_VARIANTS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split('|')
          .map((v) => v.split(' ').filter(Boolean))
          .filter((v) => v.length > 0),
      ),
    BENCH_RESYNC: z.string().default('1m'),
    BENCH_LOG_LEVEL: z.string().default('info'),
    BENCH_OPERATOR_RUN: z.enum(['dist', 'tsx']).default('dist'),
    BENCH_NODE_ARGS: z
      .string()
      .default('')
      .transform((s) => s.split(' ').filter(Boolean)),
  })
  .safeParse(process.env);
if (!env.success) {
  const problems = env.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n  ');
  console.error(`invalid benchmark settings:\n  ${problems}`);
  process.exit(2);
}
const cfg = env.data;
const startedAt = Date.now();
const deadline = startedAt + cfg.BENCH_BUDGET_SECONDS * 1000;
const resultsDir = join(repoRoot, 'bench/results');
const out = join(resultsDir, 'operator.json');
const workload = {
  namespaces: Array.from({ length: cfg.BENCH_NAMESPACES }, (_, i) => `bench-armies-${i + 1}`),
  armies: cfg.BENCH_ARMIES,
  agents: ['planner', 'researcher', 'writer'],
  replicas: 2,
};
const cluster = new BenchCluster({ name: 'bench', nodes: cfg.BENCH_NODES });
const imageFlags = imageNodeFlags();
/** The measured rounds: each concurrency as the image runs it, then optionally the first without its flags. */
const plan = [
  ...cfg.BENCH_CONCURRENCY.map((concurrency) => ({
    concurrency,
    label: `c=${concurrency}`,
    nodeArgs: [...imageFlags, ...cfg.BENCH_NODE_ARGS],
  })),
  ...(cfg.BENCH_PLAIN_NODE === '1' && cfg.BENCH_CONCURRENCY.length > 0 && imageFlags.length > 0
    ? [
        {
          concurrency: cfg.BENCH_CONCURRENCY[0] as number,
          label: `c=${cfg.BENCH_CONCURRENCY[0]} plain node`,
          nodeArgs: cfg.BENCH_NODE_ARGS,
        },
      ]
    : []),
  ...(cfg.BENCH_CONCURRENCY.length > 0
    ? cfg.BENCH_NODE_VARIANTS.map((flags) => ({
        concurrency: cfg.BENCH_CONCURRENCY[0] as number,
        label: `c=${cfg.BENCH_CONCURRENCY[0]} ${flags.join(' ')}`,
        nodeArgs: [...flags, ...cfg.BENCH_NODE_ARGS],
      }))
    : []),
  ...(cfg.BENCH_BASELINE_REV && cfg.BENCH_CONCURRENCY.length > 0
    ? [
        {
          concurrency: cfg.BENCH_CONCURRENCY[0] as number,
          label: `c=${cfg.BENCH_CONCURRENCY[0]} baseline ${cfg.BENCH_BASELINE_REV}`,
          // Filled in from the baseline revision's own Dockerfile once its sources are read.
          nodeArgs: [] as string[],
          baseline: true,
        },
      ]
    : []),
];
let operator: OperatorProcess | undefined;
let build: OperatorBuild | undefined;
let baseline: { build: OperatorBuild; cleanup(): void } | undefined;

let cleaningUp = false;

/** Synchronous last-resort cleanup for signals and the hard watchdog. A repeated signal is ignored. */
function emergencyCleanup(reason: string, code: number): void {
  if (cleaningUp) return;
  cleaningUp = true;
  console.error(`[bench] ${reason}; killing the operator and tearing down the bench cluster`);
  operator?.killNow();
  cluster.downSync();
  build?.cleanup();
  baseline?.cleanup();
  process.exit(code);
}
process.on('SIGINT', () => emergencyCleanup('interrupted', 130));
process.on('SIGTERM', () => emergencyCleanup('terminated', 143));
// Phases check the budget themselves; this catches anything stuck in between (e.g. a hung request).
setTimeout(
  () => emergencyCleanup(`operator benchmark exceeded its budget of ${cfg.BENCH_BUDGET_SECONDS} s + 60 s`, 1),
  (cfg.BENCH_BUDGET_SECONDS + 60) * 1000,
).unref();

interface FailedRound {
  label: string;
  error: string;
}

const floors = new Map<FloorMode, FloorResult | { error: string }>();
const FLOOR_KEY: Record<FloorMode, string> = {
  all: 'floor',
  staged: 'floorStaged',
  deployments: 'floorDeploymentsOnly',
};

function report(rounds: RoundResult[], skipped: string[], failed: FailedRound[], error?: string) {
  return {
    benchmark: 'operator-scale',
    status: error || (!rounds.length && !floors.size) ? 'failed' : failed.length ? 'partial' : 'ok',
    ...(error ? { error } : {}),
    date: new Date(startedAt).toISOString(),
    durationS: Math.round((Date.now() - startedAt) / 1000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      note: 'the operator, the whole control plane (apiserver, etcd, kcm, scheduler, kwok) and this benchmark share these cores; other work may be running on the machine (see loadAverage per round)',
    },
    cluster: {
      name: cluster.opts.name,
      kubernetes: rounds[0]?.kubernetes ?? 'unknown',
      runtime: 'kwokctl binary runtime, KWOK fake nodes',
      nodes: cfg.BENCH_NODES,
      kubeControllerManager: { kubeApiQps: 300, kubeApiBurst: 500 },
      kubeScheduler: { kubeApiQps: 300, kubeApiBurst: 500 },
      kubeApiserver: {
        serviceClusterIpRange: '10.96.0.0/16',
        note: 'the default 10.0.0.0/24 holds ~250 Services; the workload has one per agent (999)',
      },
      config: 'bench/kwokctl-bench.yaml',
      freshClusterPerRound: true,
    },
    workload: {
      ...workload,
      deployments: workload.armies * workload.agents.length,
      pods: workload.armies * workload.agents.length * workload.replicas,
      creation: 'server-side apply of every AgentArmy from 16 parallel requests, after the operator is ready',
      readiness:
        'status.phase Ready and condition Ready=True for the current generation, counted from a watch of the armies (the time of the event that made the last one Ready)',
    },
    operator: {
      run: build?.mode === 'tsx' ? 'node --import tsx operator/src/main.ts' : 'node dist/main.js (tsc build)',
      flags: {
        leaderElect: false,
        resyncPeriod: cfg.BENCH_RESYNC,
        logLevel: cfg.BENCH_LOG_LEVEL,
        concurrency: cfg.BENCH_CONCURRENCY,
        imageNodeFlags: imageFlags,
        extraNodeArgs: cfg.BENCH_NODE_ARGS,
      },
      rounds: plan.map((p) => ({ label: p.label, concurrency: p.concurrency, nodeArgs: p.nodeArgs })),
      ...(cfg.BENCH_BASELINE_REV ? { baselineRevision: cfg.BENCH_BASELINE_REV } : {}),
      note: 'resync shortened from the default 10m so the steady window replays every army through its reconciler; the steady window is measured in the first round and the baseline round; peak RSS is the max of VmHWM and VmRSS sampled every 250 ms; CPU is utime+stime of the operator process from its start',
    },
    peer,
    targets,
    ...Object.fromEntries(
      FLOOR_MODES.map((m) => [
        FLOOR_KEY[m],
        floors.get(m) ?? 'not run (not in BENCH_FLOORS, or no time left)',
      ]),
    ),
    rounds: rounds.map((r) => ({ ...r, verdict: evaluate(r) })),
    skippedRounds: skipped,
    failedRounds: failed,
  };
}

function write(result: ReturnType<typeof report>) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}

async function main(): Promise<number> {
  const rounds: RoundResult[] = [];
  const skipped: string[] = [];
  const failed: FailedRound[] = [];
  try {
    build = await buildOperator(cfg.BENCH_OPERATOR_RUN);
    if (cfg.BENCH_BASELINE_REV) {
      const src = await sourcesAt(cfg.BENCH_BASELINE_REV);
      const baselineBuild = await buildOperator('dist', src.root);
      baseline = {
        build: baselineBuild,
        cleanup: () => {
          baselineBuild.cleanup();
          src.cleanup();
        },
      };
      const flags = imageNodeFlags(join(src.root, 'operator/Dockerfile'));
      for (const p of plan) if ('baseline' in p) p.nodeArgs = [...flags, ...cfg.BENCH_NODE_ARGS];
      console.error(
        `[bench] baseline ${cfg.BENCH_BASELINE_REV} built; its image's node flags: ${flags.join(' ') || 'none'}`,
      );
    }
    console.error(`[bench] operator built (${build.mode}) in ${build.buildSeconds.toFixed(1)} s`);
    for (const [i, entry] of plan.entries()) {
      const { concurrency, label, nodeArgs } = entry;
      const roundBuild = 'baseline' in entry && baseline ? baseline.build : build;
      // Steady state does not depend on the worker count: measured in the first round (and the baseline's).
      const steadySeconds = i === 0 || 'baseline' in entry ? cfg.BENCH_STEADY_SECONDS : 0;
      // Do not start a round that cannot finish in the budget: allow 1.2× what the last one needed.
      const last = rounds.at(-1);
      const needS = last ? (last.clusterUpS + last.operatorStartupS + last.timeToAllReadyS + 30) * 1.2 : 90;
      if (Date.now() + (needS + steadySeconds) * 1000 > deadline) {
        skipped.push(`${label}: not enough time left in the budget (~${Math.round(needS)} s)`);
        continue;
      }
      try {
        const round = await runRound({
          cluster,
          build: roundBuild,
          workload,
          concurrency,
          label,
          logLevel: cfg.BENCH_LOG_LEVEL,
          resyncPeriod: cfg.BENCH_RESYNC,
          steadySeconds,
          deadline,
          logDir: resultsDir,
          nodeArgs,
          onOperator: (op) => {
            operator = op;
          },
        });
        rounds.push(round);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        console.error(`[bench] round ${label} FAILED: ${error}`);
        failed.push({ label, error });
      }
    }
    for (const mode of cfg.BENCH_FLOORS) {
      if (Date.now() + 300_000 > deadline) break;
      try {
        floors.set(mode, await runFloorRound({ cluster, workload, deadline, mode }));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        floors.set(mode, { error });
        console.error(`[bench] floor ${mode} round FAILED: ${error}`);
      }
    }
    const result = report(rounds, skipped, failed);
    write(result);
    for (const f of floors.values())
      if ('what' in f) console.log(`${f.what}: all Deployments Ready in ${f.timeToAllDeploymentsReadyS} s`);
    printTable(result.rounds);
    for (const s of skipped) console.log(`skipped: ${s}`);
    for (const f of failed) console.log(`FAILED: ${f.label}: ${f.error}`);
    console.log(`wrote ${out}`);
    return failed.length || (!rounds.length && !floors.size) ? 1 : 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`[bench] operator benchmark FAILED: ${message}`);
    write(report(rounds, skipped, failed, message));
    console.error(`[bench] partial results in ${out}`);
    return 1;
  } finally {
    operator?.killNow();
    await cluster.down();
    build?.cleanup();
    baseline?.cleanup();
  }
}

process.exit(await main());

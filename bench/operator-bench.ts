// Benchmark: the operator at scale, beside its peer and the control plane's own floor, in one run. At 1×:
// 333 AgentArmies × 3 agents × 2 replicas (999 Deployments, ~2,000 KWOK pods) on a fresh 25-node KWOK
// cluster (bench/kwokctl-bench.yaml) per round; the peer (Argo Rollouts, 999 canary Rollouts × 2 replicas)
// and the floor (the operator's children applied with no operator; lib/floor-round.ts) on the same fresh
// cluster configuration. Rounds alternate operator, peer, floor, … (BENCH_ROUNDS of each); at 3× the
// armies, nodes and namespaces triple. bench/results/operator.json has every round, min/median/max per
// configuration, ratios of medians, each target as met or not, cost per agent and growth 1× → 3×.
//   npx tsx bench/operator-bench.ts             (make bench-operator; docs/benchmarks.md explains it)
// Env: BENCH_SCALES ("1,3"), BENCH_ROUNDS (3), BENCH_CONFIGS ("operator,peer,floor"), BENCH_ARMIES (333 at
// 1×), BENCH_NODES (25 at 1×), BENCH_NAMESPACES (3 at 1×), BENCH_STEADY_SECONDS (60), BENCH_BUDGET_SECONDS
// (1.5 × the estimate), BENCH_ROUND_TIMEOUT_SECONDS (600 × scale), BENCH_PEER_ARGS ("--qps 1000 --burst
// 2000"), BENCH_FLOOR ("staged"; or "all", "deployments"), BENCH_CONCURRENCY (4), BENCH_RESYNC ("1m"),
// BENCH_LOG_LEVEL ("info"), BENCH_OPERATOR_RUN ("dist" | "tsx"), BENCH_NODE_ARGS (extra node flags),
// BENCH_NODE_VARIANTS ("|"-separated node flag sets, "plain" for none: one more operator configuration
// each, in the same rotation), BENCH_BASELINE_REV (comma-separated git revisions: one more operator
// configuration built from each, e.g. the commits before and after a change). The clusters and processes are always cleaned up, also on the budget's watchdog or Ctrl-C.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../test/support/cluster.js';
import { BenchCluster, benchClusterName } from './lib/bench-cluster.js';
import { RoundStopped } from './lib/drive.js';
import { FLOOR_MODES, runFloorRound } from './lib/floor-round.js';
import { buildOperator, imageNodeFlags, type OperatorBuild, sourcesAt } from './lib/operator-process.js';
import { assertPeerBuilt, peerName } from './lib/peer-process.js';
import { runPeerRound } from './lib/peer-round.js';
import { Estimator, humanDuration, type Slot, schedule, sizeAt } from './lib/plan.js';
import { growthReport, printReport, type RoundRecord, scaleReport } from './lib/report.js';
import { runRound } from './lib/round.js';

const list = (re: RegExp, what: string) => z.string().regex(re, what);
const env = z
  .object({
    BENCH_SCALES: list(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'must be a comma-separated list of scales, e.g. 1,3')
      .default('1,3')
      .transform((s) => s.split(',').map(Number)),
    BENCH_ROUNDS: z.coerce.number().int().min(1).max(20).default(3),
    BENCH_CONFIGS: z
      .string()
      .default('operator,peer,floor')
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(z.enum(['operator', 'peer', 'floor'])).min(1)),
    BENCH_ARMIES: z.coerce.number().int().min(1).max(2000).default(333),
    BENCH_NODES: z.coerce.number().int().min(1).max(200).default(25),
    BENCH_NAMESPACES: z.coerce.number().int().min(1).max(50).default(3),
    BENCH_STEADY_SECONDS: z.coerce.number().min(0).max(600).default(60),
    BENCH_BUDGET_SECONDS: z.coerce
      .number()
      .min(60)
      .max(6 * 3600)
      .optional(),
    BENCH_ROUND_TIMEOUT_SECONDS: z.coerce.number().min(30).max(7200).optional(),
    BENCH_PEER_ARGS: z.string().default('--qps 1000 --burst 2000'),
    BENCH_FLOOR: z.enum(FLOOR_MODES).default('staged'),
    BENCH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    BENCH_RESYNC: z.string().default('1m'),
    BENCH_LOG_LEVEL: z.string().default('info'),
    BENCH_OPERATOR_RUN: z.enum(['dist', 'tsx']).default('dist'),
    BENCH_NODE_ARGS: z.string().default(''),
    BENCH_NODE_VARIANTS: z.string().default(''),
    BENCH_BASELINE_REV: list(
      /^([\w./-]+(,[\w./-]+)*)?$/,
      'must be comma-separated git revisions (hash, tag or branch)',
    )
      .default('')
      .transform((s) => s.split(',').filter(Boolean)),
  })
  .safeParse(process.env);
if (!env.success) {
  const problems = env.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('\n  ');
  console.error(`invalid benchmark settings:\n  ${problems}`);
  process.exit(2);
}
const cfg = env.data;
const words = (s: string) => s.split(' ').filter(Boolean);
const imageFlags = imageNodeFlags();
const nodeArgs = words(cfg.BENCH_NODE_ARGS);
/** Operator configurations: the image's, then each variant; each runs in the same rotation. */
const operators = new Map<string, { nodeArgs: string[]; baseline?: string }>();
if (cfg.BENCH_CONFIGS.includes('operator')) {
  operators.set('operator', { nodeArgs: [...imageFlags, ...nodeArgs] });
  for (const v of cfg.BENCH_NODE_VARIANTS.split('|')
    .map(words)
    .filter((v) => v.length))
    operators.set(`operator ${v.join(' ')}`, { nodeArgs: v[0] === 'plain' ? nodeArgs : [...v, ...nodeArgs] });
  for (const rev of cfg.BENCH_BASELINE_REV) operators.set(`operator ${rev}`, { nodeArgs: [], baseline: rev });
}
const configs = cfg.BENCH_CONFIGS.flatMap((c) => (c === 'operator' ? [...operators.keys()] : [c]));
const base = { armies: cfg.BENCH_ARMIES, nodes: cfg.BENCH_NODES, namespaces: cfg.BENCH_NAMESPACES };
const sizes = new Map(cfg.BENCH_SCALES.map((s) => [s, sizeAt(s, base)]));
const slots = schedule(cfg.BENCH_SCALES, cfg.BENCH_ROUNDS, configs);
const estimator = new Estimator(sizes, cfg.BENCH_STEADY_SECONDS);
const estimateS = estimator.total(slots);
const budgetS = cfg.BENCH_BUDGET_SECONDS ?? Math.min(6 * 3600, Math.max(600, Math.round(estimateS * 1.5)));
const startedAt = Date.now();
const deadline = startedAt + budgetS * 1000;
const resultsDir = join(repoRoot, 'bench/results');
const out = join(resultsDir, 'operator.json');
const peerArgs = words(cfg.BENCH_PEER_ARGS);
/** One cluster name for every round; each round starts it afresh with its scale's node count. */
const cluster = new BenchCluster({ name: benchClusterName, nodes: cfg.BENCH_NODES });
const running = new Set<{ killNow(): void }>();
let build: OperatorBuild | undefined;
/** One build per baseline revision, keyed by the revision as given. */
const baselines = new Map<string, { build: OperatorBuild; cleanup(): void }>();
const rounds: RoundRecord[] = [];

let cleaningUp = false;
function emergencyCleanup(reason: string, code: number): void {
  if (cleaningUp) return;
  cleaningUp = true;
  console.error(`[bench] ${reason}; killing the controller and tearing down the bench cluster`);
  for (const p of running) p.killNow();
  cluster.downSync();
  build?.cleanup();
  for (const b of baselines.values()) b.cleanup();
  write(reason);
  process.exit(code);
}
process.on('SIGINT', () => emergencyCleanup('interrupted', 130));
process.on('SIGTERM', () => emergencyCleanup('terminated', 143));
setTimeout(
  () => emergencyCleanup(`operator benchmark exceeded its budget of ${budgetS} s + 120 s`, 1),
  (budgetS + 120) * 1000,
).unref();

function result(error?: string) {
  const scales = cfg.BENCH_SCALES.map((s) => scaleReport(sizes.get(s) ?? sizeAt(s, base), rounds));
  const ok = rounds.filter((r) => r.status === 'ok').length;
  return {
    benchmark: 'operator-scale',
    status: error || ok === 0 ? 'failed' : rounds.some((r) => r.status !== 'ok') ? 'partial' : 'ok',
    ...(error ? { error } : {}),
    date: new Date(startedAt).toISOString(),
    durationS: Math.round((Date.now() - startedAt) / 1000),
    estimateS,
    budgetS,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      note: 'the controller, the whole control plane and this benchmark share these cores; each round reports machine CPU use and load',
    },
    plan: {
      scales: cfg.BENCH_SCALES,
      roundsPerConfig: cfg.BENCH_ROUNDS,
      configs,
      order: 'scale by scale; within a scale the configurations in turn (operator, peer, floor, operator, …)',
      steadySeconds: cfg.BENCH_STEADY_SECONDS,
      roundTimeoutS: cfg.BENCH_ROUND_TIMEOUT_SECONDS ?? '600 × scale',
      base,
    },
    cluster: {
      name: benchClusterName,
      runtime: 'kwokctl binary runtime, KWOK fake nodes, a fresh cluster per round',
      config:
        'bench/kwokctl-bench.yaml (controller-manager and scheduler at 300 qps / 500 burst; Service range /16)',
    },
    operator: {
      run: build?.mode === 'tsx' ? 'node --import tsx operator/src/main.ts' : 'node dist/main.js (tsc build)',
      flags: {
        leaderElect: false,
        concurrency: cfg.BENCH_CONCURRENCY,
        resyncPeriod: cfg.BENCH_RESYNC,
        logLevel: cfg.BENCH_LOG_LEVEL,
      },
      configurations: Object.fromEntries(operators),
      readiness: 'AgentArmy status.phase Ready and condition Ready=True for its generation, from a watch',
    },
    peer: {
      name: peerName,
      args: peerArgs,
      workload: 'one canary Rollout (2 replicas) per operator agent, over the same namespaces',
      readiness: 'Rollout status.phase Healthy, from a watch',
      writes: 'controller_clientset_k8s_request_total, verbs other than get/list/watch',
    },
    floor: {
      mode: cfg.BENCH_FLOOR,
      what: 'no controller: the armies and the children the operator renders, applied directly',
    },
    scales: scales.map((s) => ({ ...s, roundTimeoutS: cfg.BENCH_ROUND_TIMEOUT_SECONDS ?? 600 * s.scale })),
    growth: growthReport(scales),
  };
}

function write(error?: string) {
  mkdirSync(resultsDir, { recursive: true });
  const r = result(error);
  writeFileSync(out, `${JSON.stringify(r, null, 2)}\n`);
  return r;
}

async function runSlot(slot: Slot, roundDeadline: number) {
  const size = sizes.get(slot.scale) ?? sizeAt(slot.scale, base);
  cluster.setNodes(size.nodes);
  const label = `${slot.config} ${slot.scale}× #${slot.round}`;
  const common = { cluster, workload: size.workload, deadline: roundDeadline, logDir: resultsDir };
  if (slot.config === 'peer')
    return runPeerRound({
      ...common,
      label,
      args: peerArgs,
      steadySeconds: cfg.BENCH_STEADY_SECONDS,
      onProcess: track,
    });
  if (slot.config === 'floor') return runFloorRound({ ...common, mode: cfg.BENCH_FLOOR });
  const op = operators.get(slot.config);
  const opBuild = op?.baseline ? baselines.get(op.baseline)?.build : build;
  if (!op || !opBuild) throw new Error(`no build for ${slot.config}`);
  return runRound({
    ...common,
    build: opBuild,
    label,
    concurrency: cfg.BENCH_CONCURRENCY,
    logLevel: cfg.BENCH_LOG_LEVEL,
    resyncPeriod: cfg.BENCH_RESYNC,
    steadySeconds: cfg.BENCH_STEADY_SECONDS,
    nodeArgs: op.nodeArgs,
    onOperator: track,
  });
}

let tracked: { killNow(): void } | undefined;
function track(p: { killNow(): void } | undefined) {
  if (tracked) running.delete(tracked);
  tracked = p;
  if (p) running.add(p);
}

async function prepare() {
  if (configs.includes('peer')) assertPeerBuilt();
  if (operators.size === 0) return;
  build = await buildOperator(cfg.BENCH_OPERATOR_RUN);
  for (const rev of cfg.BENCH_BASELINE_REV) {
    const src = await sourcesAt(rev);
    const b = await buildOperator('dist', src.root);
    baselines.set(rev, {
      build: b,
      cleanup: () => {
        b.cleanup();
        src.cleanup();
      },
    });
    const flags = imageNodeFlags(join(src.root, 'operator/Dockerfile'));
    const entry = operators.get(`operator ${rev}`);
    if (entry) entry.nodeArgs = [...flags, ...nodeArgs];
  }
}

async function main(): Promise<number> {
  console.error(
    `[bench] ${slots.length} rounds (${configs.join(', ')} in turn; ${cfg.BENCH_ROUNDS} each at ${cfg.BENCH_SCALES.map((s) => `${s}×`).join(' and ')}); ` +
      `estimated ${humanDuration(estimateS)}, budget ${humanDuration(budgetS)} (BENCH_BUDGET_SECONDS)`,
  );
  try {
    await prepare();
    for (const [i, slot] of slots.entries()) {
      const base = { scale: slot.scale, round: slot.round, config: slot.config };
      const need = estimator.estimate(slot);
      const earlier = rounds.find(
        (r) => r.config === slot.config && r.status === 'stopped' && r.scale <= slot.scale,
      );
      if (earlier || Date.now() + need * 1000 > deadline) {
        const reason = earlier
          ? `not run: its round at ${earlier.scale}× stopped (${earlier.reason})`
          : `not run: ~${need} s needed, ${Math.round((deadline - Date.now()) / 1000)} s left in the budget`;
        rounds.push({ ...base, status: 'skipped', seconds: 0, reason });
        console.error(`[bench] ${slot.config} ${slot.scale}× #${slot.round}: ${reason}`);
        continue;
      }
      const limitS = cfg.BENCH_ROUND_TIMEOUT_SECONDS ?? 600 * slot.scale;
      const t0 = performance.now();
      try {
        const r = await runSlot(slot, Math.min(deadline, Date.now() + limitS * 1000));
        rounds.push({ ...base, status: 'ok', seconds: 0, ...r });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        console.error(
          `[bench] ${slot.config} ${slot.scale}× #${slot.round} ${err instanceof RoundStopped ? 'STOPPED' : 'FAILED'}: ${reason}`,
        );
        rounds.push(
          err instanceof RoundStopped
            ? {
                ...base,
                status: 'stopped',
                seconds: 0,
                reason,
                stoppedAt: { atS: err.atS, ready: err.ready, expected: err.expected },
                system: err.system,
              }
            : { ...base, status: 'failed', seconds: 0, reason },
        );
      }
      const seconds = Math.round((performance.now() - t0) / 1000);
      (rounds.at(-1) as RoundRecord).seconds = seconds;
      estimator.record(slot, seconds);
      write();
      const left = estimator.total(slots.slice(i + 1));
      console.error(
        `[bench] round ${i + 1}/${slots.length} took ${seconds} s; about ${humanDuration(left)} left`,
      );
    }
    const r = write();
    printReport(r.scales, r.growth);
    console.log(`wrote ${out}`);
    return r.status === 'ok' ? 0 : 1;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`[bench] operator benchmark FAILED: ${message}`);
    write(message);
    return 1;
  } finally {
    for (const p of running) p.killNow();
    await cluster.down();
    build?.cleanup();
    for (const b of baselines.values()) b.cleanup();
  }
}

process.exit(await main());

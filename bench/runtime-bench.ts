// Benchmark: the agent runtime (→ fake upstream) against the fake upstream alone, in alternating rounds of
// one run, loopback only. Each round measures max throughput (upstream, runtime) and a fixed rate
// (upstream, runtime, runtime with the online judge on); the order flips every round so that a machine
// getting busier or quieter does not favour one side. Medians over the rounds give the figures:
//   - the runtime's added p99 at the fixed rate (median runtime p99 − median upstream p99), target < 2 ms;
//   - runtime max throughput / upstream max throughput (ratio of medians), target ≥ 0.5;
//   - the judge's effect on the caller's path: added p99 with judging on − with judging off (target: none).
//   npx tsx bench/runtime-bench.ts       (or make bench-runtime)
// Environment: BENCH_ROUNDS (3), BENCH_SECONDS (10, each fixed-rate run), BENCH_THROUGHPUT_SECONDS (5),
// BENCH_WARMUP_SECONDS (8 per process), BENCH_RATE (500), BENCH_LOG_LEVEL (info), BENCH_RUNTIME_ENTRY
// (default: the compiled runtime, agent-runtime/dist/main.js, built first with tsc, run with plain node as
// in the image; a .ts entry runs through tsx), BENCH_JUDGE (0: no judged runtime), BENCH_JUDGE_PER_MINUTE
// (60, the judge's budget), BENCH_BASELINE_REV (a git revision: its runtime, compiled the same way, takes
// part in every round as "baseline", e.g. the code before a change). Writes bench/results/runtime.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Options, type Result } from 'autocannon';
import { repoRoot, type ServiceProcess, spawnFakeOpenAI, spawnService } from '../test/support/processes.js';
import { buildRuntimeAt, type RuntimeBuild } from './lib/runtime-baseline.js';
import { memoryOf, type Run, summarize, type Target } from './lib/runtime-rounds.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 8);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const ENTRY = process.env.BENCH_RUNTIME_ENTRY ?? 'agent-runtime/dist/main.js';
/** BENCH_JUDGE=0 leaves out the judged runtime (e.g. to measure a runtime version without a judge). */
const JUDGE = process.env.BENCH_JUDGE !== '0';
const JUDGE_PER_MINUTE = Number(process.env.BENCH_JUDGE_PER_MINUTE ?? 60);
const BASELINE_REV = process.env.BENCH_BASELINE_REV || undefined;
const CONNECTIONS = 10;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** One autocannon run; latencies are taken from every response (float ms), not autocannon's 1 ms histogram. */
function load(round: number, target: Target, opts: Options): Promise<Run> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err: Error | null, result: Result) => {
      if (err) return reject(err);
      latencies.sort((a, b) => a - b);
      resolve({
        round,
        target,
        rate: opts.overallRate ?? null,
        seconds: opts.duration ?? 0,
        requests: result.requests.total,
        reqPerSec: Math.round((result.requests.total / (result.duration || 1)) * 10) / 10,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        latencyMs: {
          p50: round3(percentile(latencies, 50)),
          p90: round3(percentile(latencies, 90)),
          p99: round3(percentile(latencies, 99)),
          max: round3(latencies.at(-1) ?? Number.NaN),
        },
      });
    });
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

async function main(): Promise<void> {
  const model = 'bench-model';
  const judgeModel = 'bench-judge';
  if (ENTRY === 'agent-runtime/dist/main.js') {
    execFileSync(
      process.execPath,
      [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'agent-runtime/tsconfig.json'],
      {
        cwd: repoRoot,
        stdio: 'inherit',
      },
    );
  }
  const judgeFile = join(mkdtempSync(join(tmpdir(), 'runtime-bench-')), 'agent.json');
  // 10 % of the answers judged, within the judge's budget (default 60 calls a minute, the agent file's
  // default; BENCH_JUDGE_PER_MINUTE=1000000 judges all 10 %, 50 calls/s at 500 req/s).
  writeFileSync(
    judgeFile,
    JSON.stringify({
      judge: {
        model: judgeModel,
        rubric: 'Answers the question.',
        sampleRate: 0.1,
        maxPerMinute: JUDGE_PER_MINUTE,
        maxConcurrency: 4,
        queueSize: 1000,
      },
    }),
  );
  const procs: ServiceProcess[] = [];
  let baselineBuild: RuntimeBuild | undefined;
  try {
    if (BASELINE_REV) baselineBuild = await buildRuntimeAt(BASELINE_REV);
    const upstream = await spawnFakeOpenAI({
      models: { [model]: { latencyMs: 0 }, [judgeModel]: { judge: { default: 0.8 } } },
    });
    procs.push(upstream);
    const runtimeEnv = (extra: Record<string, string>) => ({
      AGENT_NAME: 'bench',
      AGENT_VERSION: '1.0.0',
      MODEL_NAME: model,
      MODEL_BASE_URL: `${upstream.url}/v1`,
      OPENAI_API_KEY: 'sk-bench-not-a-real-key',
      MODEL_MAX_RETRIES: '0',
      MAX_CONCURRENCY: '1000',
      LOG_LEVEL,
      ...extra,
    });
    const spawn = (name: string, env: Record<string, string>, entry = ENTRY) =>
      spawnService({ name, entry, env: runtimeEnv(env), tsx: entry.endsWith('.ts') });
    const runtime = await spawn('agent-runtime', {});
    const judged = JUDGE
      ? await spawn('agent-runtime (judge on)', { AGENT_CONFIG_FILE: judgeFile })
      : undefined;
    const baseline = baselineBuild
      ? await spawn(`agent-runtime ${BASELINE_REV}`, {}, baselineBuild.entry)
      : undefined;
    procs.push(runtime, ...(judged ? [judged] : []), ...(baseline ? [baseline] : []));
    // The floor: a minimal node:http proxy doing the same hops (parse, forward, parse, answer) and nothing else.
    const floor = await spawnService({
      name: 'floor proxy',
      entry: 'bench/lib/floor-proxy.ts',
      env: { MODEL_BASE_URL: `${upstream.url}/v1`, MODEL_NAME: model },
    });
    procs.push(floor);

    const messages = [{ role: 'user', content: 'Summarise the state of the fleet in one sentence.' }];
    const targets: Record<Target, { url: string; body: string }> = {
      upstream: { url: `${upstream.url}/v1/chat/completions`, body: JSON.stringify({ model, messages }) },
      runtime: { url: `${runtime.url}/v1/invoke`, body: JSON.stringify({ messages }) },
      'runtime+judge': { url: `${judged?.url}/v1/invoke`, body: JSON.stringify({ messages }) },
      'floor-proxy': { url: `${floor.url}/v1/invoke`, body: JSON.stringify({ messages }) },
      baseline: { url: `${baseline?.url}/v1/invoke`, body: JSON.stringify({ messages }) },
    };
    const opts = (t: Target, extra: Partial<Options>): Options => ({
      url: targets[t].url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: targets[t].body,
      connections: CONNECTIONS,
      timeout: 10,
      ...extra,
    });

    // Warm up each process until its JIT has settled (seconds of full load, not a few hundred requests).
    const all: Target[] = [
      'upstream',
      'runtime',
      ...(judged ? ['runtime+judge' as const] : []),
      ...(baseline ? ['baseline' as const] : []),
      'floor-proxy',
    ];
    for (const t of all) await load(0, t, opts(t, { duration: WARMUP_SECONDS }));

    const runs: Run[] = [];
    const log = (r: Run) => {
      runs.push(r);
      const what = r.rate === null ? 'max throughput' : `at ${r.rate} req/s`;
      console.log(
        `round ${r.round} ${r.target.padEnd(13)} ${what.padEnd(15)} ${String(r.reqPerSec).padStart(8)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  non2xx ${r.non2xx}  errors ${r.errors}`,
      );
    };
    for (let round = 1; round <= ROUNDS; round++) {
      const flip = round % 2 === 0;
      const max: Target[] = [
        'upstream',
        'runtime',
        ...(baseline ? ['baseline' as const] : []),
        'floor-proxy',
      ];
      for (const t of flip ? max.reverse() : max) {
        log(await load(round, t, opts(t, { duration: THROUGHPUT_SECONDS })));
      }
      const fixed = flip ? [...all].reverse() : all;
      for (const t of fixed) log(await load(round, t, opts(t, { duration: SECONDS, overallRate: RATE })));
    }
    const memory = {
      runtime: memoryOf(runtime.pid),
      'runtime+judge': judged ? memoryOf(judged.pid) : undefined,
      ...(baseline ? { baseline: memoryOf(baseline.pid) } : {}),
    };
    const judgeStats = judged ? await (await fetch(`${judged.url}/metrics`)).text() : '';
    const evals = judgeStats
      .split('\n')
      .filter((l) => l.startsWith('agent_evals_total{') || l.startsWith('agent_evals_dropped_total{'));
    const summary = summarize(runs, RATE);
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      setup: {
        rounds: ROUNDS,
        connections: CONNECTIONS,
        fixedRate: RATE,
        fixedRateSeconds: SECONDS,
        throughputSeconds: THROUGHPUT_SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        runtimeEntry: ENTRY,
        ...(BASELINE_REV ? { baselineRev: BASELINE_REV } : {}),
        runtimeLogLevel: LOG_LEVEL,
        judge:
          'runtime+judge: sampleRate 0.1, no budget cap, maxConcurrency 4, judge model on the same fake upstream',
        note: 'autocannon, the runtimes and the fake upstream share this machine; rounds alternate and flip order; latencies are per-response float ms',
      },
      runs,
      ...summary,
      runtimeMemory: memory,
      judgeEvals: evals,
    };
    const out = join(repoRoot, 'bench/results/runtime.json');
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify({ medians: summary.medians, targets: summary.targets }, null, 2));
    for (const [name, m] of Object.entries(memory)) {
      if (m)
        console.log(
          `${name} RSS ${(m.rssBytes / 2 ** 20).toFixed(1)} MiB (peak ${(m.peakRssBytes / 2 ** 20).toFixed(1)} MiB)`,
        );
    }
    console.log(`wrote ${out}`);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    baselineBuild?.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

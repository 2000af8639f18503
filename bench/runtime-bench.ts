// Benchmark: the agent runtime (→ fake upstream) against the fake upstream alone, in one run, loopback only.
//   npx tsx bench/runtime-bench.ts        (BENCH_SECONDS=10 per fixed-rate run, BENCH_RATE=500)
// Reports req/s at saturation, p50/p99 latency, the runtime's added p99 at a fixed rate, and the runtime's
// RSS; writes bench/results/runtime.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Options, type Result } from 'autocannon';
import { repoRoot, type ServiceProcess, spawnFakeOpenAI, spawnRuntime } from '../test/support/processes.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const CONNECTIONS = 10;
const LIGHT_RATE = 50;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';

interface Run {
  name: string;
  target: 'upstream' | 'runtime';
  rate: number | null;
  seconds: number;
  requests: number;
  reqPerSec: number;
  non2xx: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** One autocannon run; latencies are taken from every response (float ms), not autocannon's 1 ms histogram. */
function load(name: string, target: Run['target'], opts: Options): Promise<Run> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err: Error | null, result: Result) => {
      if (err) return reject(err);
      latencies.sort((a, b) => a - b);
      resolve({
        name,
        target,
        rate: opts.overallRate ?? null,
        seconds: opts.duration ?? 0,
        requests: result.requests.total,
        reqPerSec: round(result.requests.total / (result.duration || 1), 1),
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        latencyMs: {
          p50: round(percentile(latencies, 50)),
          p90: round(percentile(latencies, 90)),
          p99: round(percentile(latencies, 99)),
          max: round(latencies.at(-1) ?? Number.NaN),
        },
      });
    });
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

function memoryOf(pid: number): { rssBytes: number; peakRssBytes: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(/^(\w+):\s+(\d+) kB/m.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[2]);
    return { rssBytes: kb('VmRSS:') * 1024, peakRssBytes: kb('VmHWM:') * 1024 };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const model = 'bench-model';
  let upstream: ServiceProcess | undefined;
  let runtime: ServiceProcess | undefined;
  try {
    upstream = await spawnFakeOpenAI({ models: { [model]: { latencyMs: 0 } } });
    runtime = await spawnRuntime({
      AGENT_NAME: 'bench',
      AGENT_VERSION: '1.0.0',
      MODEL_NAME: model,
      MODEL_BASE_URL: `${upstream.url}/v1`,
      OPENAI_API_KEY: 'sk-bench-not-a-real-key',
      MODEL_MAX_RETRIES: '0',
      MAX_CONCURRENCY: '1000',
      LOG_LEVEL,
    });
    const messages = [{ role: 'user', content: 'Summarise the state of the fleet in one sentence.' }];
    const targets = {
      upstream: {
        url: `${upstream.url}/v1/chat/completions`,
        body: JSON.stringify({ model, messages }),
      },
      runtime: { url: `${runtime.url}/v1/invoke`, body: JSON.stringify({ messages }) },
    };
    const opts = (t: keyof typeof targets, extra: Partial<Options>): Options => ({
      url: targets[t].url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: targets[t].body,
      connections: CONNECTIONS,
      timeout: 10,
      ...extra,
    });

    // Warm up JIT and connection pools on both paths.
    await load('warmup', 'runtime', opts('runtime', { duration: 2, overallRate: 200 }));
    await load('warmup', 'upstream', opts('upstream', { duration: 1, overallRate: 200 }));

    const runs: Run[] = [];
    const throughputSeconds = Math.max(3, Math.round(SECONDS / 2));
    for (const target of ['upstream', 'runtime'] as const) {
      runs.push(
        await load(`${target} max throughput`, target, opts(target, { duration: throughputSeconds })),
      );
    }
    const lightSeconds = Math.max(3, Math.round(SECONDS / 2));
    for (const target of ['upstream', 'runtime'] as const) {
      runs.push(
        await load(
          `${target} at ${RATE} req/s`,
          target,
          opts(target, { duration: SECONDS, overallRate: RATE }),
        ),
      );
    }
    // A light single-connection load shows the per-request cost without CPU contention.
    for (const target of ['upstream', 'runtime'] as const) {
      const light = opts(target, { duration: lightSeconds, overallRate: LIGHT_RATE, connections: 1 });
      runs.push(await load(`${target} at ${LIGHT_RATE} req/s`, target, light));
    }
    const memory = memoryOf(runtime.pid);
    const added = (rate: number) => {
      const up = runs.find((r) => r.target === 'upstream' && r.rate === rate);
      const rt = runs.find((r) => r.target === 'runtime' && r.rate === rate);
      return up && rt
        ? { p50: round(rt.latencyMs.p50 - up.latencyMs.p50), p99: round(rt.latencyMs.p99 - up.latencyMs.p99) }
        : null;
    };
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      setup: {
        connections: CONNECTIONS,
        fixedRate: RATE,
        fixedRateSeconds: SECONDS,
        lightRate: LIGHT_RATE,
        runtimeLogLevel: LOG_LEVEL,
        note: 'autocannon, the runtime and the fake upstream share this machine; latencies are per-response float ms',
      },
      runs,
      runtimeAddedLatencyMs: { [`at${RATE}rps`]: added(RATE), [`at${LIGHT_RATE}rps`]: added(LIGHT_RATE) },
      runtimeMemory: memory ?? null,
    };
    const out = join(repoRoot, 'bench/results/runtime.json');
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    for (const r of runs) {
      console.log(
        `${r.name.padEnd(28)} ${String(r.reqPerSec).padStart(8)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  non2xx ${r.non2xx}  errors ${r.errors}`,
      );
    }
    console.log(`runtime added latency (ms): ${JSON.stringify(result.runtimeAddedLatencyMs)}`);
    if (memory)
      console.log(
        `runtime RSS ${(memory.rssBytes / 2 ** 20).toFixed(1)} MiB (peak ${(memory.peakRssBytes / 2 ** 20).toFixed(1)} MiB)`,
      );
    console.log(`wrote ${out}`);
  } finally {
    await runtime?.stop();
    await upstream?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// The figures of the runtime benchmark from its alternating rounds: medians per target and the targets
// of issue 22 (added p99 < 2 ms at the fixed rate, throughput ≥ 0.5 × the upstream's) and issue 19 (no
// measurable p99 cost of the online judge on the caller's path), and, with BENCH_BASELINE_REV, the runtime
// of another revision measured in the same rotation.
import { readFileSync } from 'node:fs';

export type Target = 'upstream' | 'runtime' | 'runtime+judge' | 'floor-proxy' | 'baseline';

export interface Run {
  round: number;
  target: Target;
  /** Fixed rate in req/s, or null for a max-throughput run. */
  rate: number | null;
  seconds: number;
  requests: number;
  reqPerSec: number;
  non2xx: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** Medians over rounds, per-round differences and ratios, and which targets were met. */
export function summarize(runs: Run[], rate: number) {
  const pick = (target: Target, fixed: boolean) =>
    runs.filter((r) => r.target === target && (fixed ? r.rate === rate : r.rate === null));
  const rounds = [...new Set(runs.map((r) => r.round))].sort((a, b) => a - b);
  const inRound = (target: Target, fixed: boolean, round: number) =>
    pick(target, fixed).find((r) => r.round === round);

  const throughput = {
    upstream: median(pick('upstream', false).map((r) => r.reqPerSec)),
    runtime: median(pick('runtime', false).map((r) => r.reqPerSec)),
    floorProxy: median(pick('floor-proxy', false).map((r) => r.reqPerSec)),
  };
  const at = (t: Target) => ({
    p50: r3(median(pick(t, true).map((r) => r.latencyMs.p50))),
    p99: r3(median(pick(t, true).map((r) => r.latencyMs.p99))),
  });
  const fixed = {
    upstream: at('upstream'),
    runtime: at('runtime'),
    'runtime+judge': at('runtime+judge'),
    'floor-proxy': at('floor-proxy'),
  };
  const perRound = rounds.map((round) => {
    const up = inRound('upstream', true, round)?.latencyMs;
    const rt = inRound('runtime', true, round)?.latencyMs;
    const rj = inRound('runtime+judge', true, round)?.latencyMs;
    const tu = inRound('upstream', false, round)?.reqPerSec;
    const tr = inRound('runtime', false, round)?.reqPerSec;
    return {
      round,
      addedP99Ms: up && rt ? r3(rt.p99 - up.p99) : null,
      addedP50Ms: up && rt ? r3(rt.p50 - up.p50) : null,
      judgeAddedP99Ms: rt && rj ? r3(rj.p99 - rt.p99) : null,
      throughputRatio: tu && tr ? r3(tr / tu) : null,
    };
  });
  const addedP99 = r3(fixed.runtime.p99 - fixed.upstream.p99);
  // The baseline revision's runtime, when it took part: its own figures and the runtime's beside them.
  const baselineThroughput = median(pick('baseline', false).map((r) => r.reqPerSec));
  const baselineFixed = at('baseline');
  const baseline =
    pick('baseline', false).length + pick('baseline', true).length > 0
      ? {
          throughputReqPerSec: baselineThroughput,
          throughputRatio: r3(baselineThroughput / throughput.upstream),
          fixedRate: baselineFixed,
          addedMs: {
            p50: r3(baselineFixed.p50 - fixed.upstream.p50),
            p99: r3(baselineFixed.p99 - fixed.upstream.p99),
          },
          /** This revision's runtime against the baseline's: throughput ratio, p50/p99 differences. */
          runtimeVsBaseline: {
            throughputRatio: r3(throughput.runtime / baselineThroughput),
            p50Ms: r3(fixed.runtime.p50 - baselineFixed.p50),
            p99Ms: r3(fixed.runtime.p99 - baselineFixed.p99),
          },
        }
      : undefined;
  const ratio = r3(throughput.runtime / throughput.upstream);
  const judgeP99 = r3(fixed['runtime+judge'].p99 - fixed.runtime.p99);
  const medianOf = (k: 'addedP99Ms' | 'judgeAddedP99Ms' | 'throughputRatio') =>
    r3(median(perRound.flatMap((r) => (r[k] === null ? [] : [r[k] as number]))));
  return {
    perRound,
    medians: {
      throughputReqPerSec: throughput,
      throughputRatio: ratio,
      throughputRatioMedianOfRounds: medianOf('throughputRatio'),
      /** The same ratio for the floor proxy: what any Node proxy reaches on this machine in this run. */
      floorProxyThroughputRatio: r3(throughput.floorProxy / throughput.upstream),
      floorProxyAddedMs: {
        p50: r3(fixed['floor-proxy'].p50 - fixed.upstream.p50),
        p99: r3(fixed['floor-proxy'].p99 - fixed.upstream.p99),
      },
      fixedRate: { rate, ...fixed },
      runtimeAddedMs: { p50: r3(fixed.runtime.p50 - fixed.upstream.p50), p99: addedP99 },
      runtimeAddedP99MedianOfRoundsMs: medianOf('addedP99Ms'),
      judgeAddedP99Ms: judgeP99,
      judgeAddedP99MedianOfRoundsMs: medianOf('judgeAddedP99Ms'),
      ...(baseline ? { baseline } : {}),
    },
    targets: {
      addedP99Under2Ms: addedP99 < 2,
      throughputRatioAtLeastHalf: ratio >= 0.5,
    },
  };
}

/** Current and peak RSS of a process (Linux /proc). */
export function memoryOf(pid: number): { rssBytes: number; peakRssBytes: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssBytes: kb('VmRSS') * 1024, peakRssBytes: kb('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

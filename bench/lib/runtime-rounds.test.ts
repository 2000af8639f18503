import { describe, expect, it } from 'vitest';
import { median, type Run, summarize } from './runtime-rounds.js';

const run = (
  round: number,
  target: Run['target'],
  rate: number | null,
  reqPerSec: number,
  p50: number,
  p99: number,
): Run => ({
  round,
  target,
  rate,
  seconds: 1,
  requests: reqPerSec,
  reqPerSec,
  non2xx: 0,
  errors: 0,
  latencyMs: { p50, p90: p99, p99, max: p99 },
});

describe('runtime benchmark rounds', () => {
  it('takes medians over rounds, per-round differences, and judges the targets from the medians', () => {
    const runs: Run[] = [];
    const rounds: [number, number, number, number, number][] = [
      // upstream max, runtime max, upstream p99, runtime p99, judged p99
      [10_000, 6_000, 2, 3, 3.1],
      [8_000, 3_000, 9, 14, 14],
      [9_000, 5_000, 3, 4.5, 4.4],
    ];
    rounds.forEach(([um, rm, up, rp, jp], i) => {
      runs.push(run(i + 1, 'upstream', null, um, 0.5, 1));
      runs.push(run(i + 1, 'runtime', null, rm, 1, 2));
      runs.push(run(i + 1, 'upstream', 500, 500, 1, up));
      runs.push(run(i + 1, 'runtime', 500, 500, 1.5, rp));
      runs.push(run(i + 1, 'runtime+judge', 500, 500, 1.5, jp));
    });
    const s = summarize(runs, 500);
    expect(s.medians.throughputReqPerSec).toMatchObject({ upstream: 9000, runtime: 5000 });
    expect(s.medians.throughputRatio).toBe(0.556);
    expect(s.medians.runtimeAddedMs.p99).toBe(1.5);
    expect(s.perRound.map((r) => r.addedP99Ms)).toEqual([1, 5, 1.5]);
    expect(s.medians.runtimeAddedP99MedianOfRoundsMs).toBe(1.5);
    expect(s.medians.judgeAddedP99Ms).toBe(-0.1);
    expect(s.targets).toEqual({ addedP99Under2Ms: true, throughputRatioAtLeastHalf: true });
  });

  it('takes the middle of an even count as the mean of the two middle values, ignoring NaN', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('sets the baseline revision beside the runtime when it took part, and leaves it out otherwise', () => {
    const runs: Run[] = [];
    [
      [10_000, 2_000, 1_000, 2, 6, 9],
      [9_000, 2_400, 1_200, 3, 5, 8],
      [11_000, 1_600, 800, 2, 7, 10],
    ].forEach(([um, rm, bm, up, rp, bp], i) => {
      runs.push(run(i + 1, 'upstream', null, um as number, 0.5, 1));
      runs.push(run(i + 1, 'runtime', null, rm as number, 1, 2));
      runs.push(run(i + 1, 'baseline', null, bm as number, 1, 2));
      runs.push(run(i + 1, 'upstream', 500, 500, 1, up as number));
      runs.push(run(i + 1, 'runtime', 500, 500, 2, rp as number));
      runs.push(run(i + 1, 'baseline', 500, 500, 3, bp as number));
    });
    const { baseline } = summarize(runs, 500).medians;
    expect(baseline).toEqual({
      throughputReqPerSec: 1000,
      throughputRatio: 0.1,
      fixedRate: { p50: 3, p99: 9 },
      addedMs: { p50: 2, p99: 7 },
      runtimeVsBaseline: { throughputRatio: 2, p50Ms: -1, p99Ms: -3 },
    });
    const without = summarize(
      runs.filter((r) => r.target !== 'baseline'),
      500,
    ).medians;
    expect(without).not.toHaveProperty('baseline');
  });
});

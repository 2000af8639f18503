import { describe, expect, it } from 'vitest';
import { costPerAgent, growth, type RoundMetrics, ratios, stats, summarize, targets } from './summary.js';

const m = (
  time: number,
  rss: number | null,
  cpu: number | null,
  writes: number,
  steady: number | null,
): RoundMetrics => ({
  timeToAllReadyS: time,
  peakRssMiB: rss,
  cpuSecondsToReady: cpu,
  writesToReady: writes,
  steadyWrites: steady,
  steadyWritesPerMin: steady,
});

const run = [
  { config: 'operator', metrics: m(100, 90, 9, 4000, 0) },
  { config: 'peer', metrics: m(110, 180, 30, 10000, 600) },
  { config: 'floor', metrics: m(95, null, null, 3300, null) },
  { config: 'operator', metrics: m(80, 94, 8, 4100, 0) },
  { config: 'peer', metrics: m(90, 170, 25, 9900, 640) },
  { config: 'floor', metrics: m(85, null, null, 3300, null) },
  { config: 'operator', metrics: m(120, 92, 11, 4050, 2) },
  { config: 'peer', metrics: m(100, 160, 20, 9800, 620) },
  { config: 'floor', metrics: m(90, null, null, 3300, null) },
];

describe('stats', () => {
  it('gives min, median and max, the median of an even count being the mean of the middle two', () => {
    expect(stats([3, 1, 2])).toEqual({ n: 3, min: 1, median: 2, max: 3 });
    expect(stats([4, 1, 3, 2])).toEqual({ n: 4, min: 1, median: 2.5, max: 4 });
  });

  it('is null when nothing was measured', () => {
    expect(stats([])).toBeNull();
    expect(stats([Number.NaN])).toBeNull();
  });
});

describe('summarize and ratios', () => {
  const s = summarize(run);

  it('keeps each configuration apart and leaves what a configuration does not measure as null', () => {
    expect(s.operator?.timeToAllReadyS).toEqual({ n: 3, min: 80, median: 100, max: 120 });
    expect(s.peer?.peakRssMiB?.median).toBe(170);
    expect(s.floor?.peakRssMiB).toBeNull();
  });

  it('divides medians, not single rounds', () => {
    const r = ratios(s);
    expect(r.operatorToFloor.timeToAllReady).toBe(round3(100 / 90));
    expect(r.operatorToPeer.timeToAllReady).toBe(1);
    expect(r.operatorToPeer.peakRss).toBe(round3(92 / 170));
    expect(r.operatorToPeer.cpuSecondsToReady).toBe(round3(9 / 25));
  });

  it('has no ratio when the other configuration did not run', () => {
    const r = ratios(summarize(run.filter((x) => x.config !== 'peer')));
    expect(r.operatorToPeer.timeToAllReady).toBeNull();
    expect(r.operatorToFloor.timeToAllReady).not.toBeNull();
  });
});

describe('targets', () => {
  it('marks each of the issue targets met or not from the ratios of medians', () => {
    const s = summarize(run);
    const t = Object.fromEntries(targets(s, ratios(s), 2).map((x) => [x.name, x]));
    expect(t['time to all Ready ≤ 1.05 × floor']?.met).toBe(false); // 1.11
    expect(t['time to all Ready ≤ 0.9 × peer']?.met).toBe(false); // 1.0
    expect(t['peak RSS ≤ 0.5 × peer']?.met).toBe(false); // 0.54
    expect(t['CPU to all Ready ≤ 0.4 × peer']?.met).toBe(true); // 0.36
    expect(t['writes at steady state = 0']).toMatchObject({ value: 2, met: false });
    expect(t['time to all Ready ≤ 1.05 × floor']?.detail).toBe('medians: operator 100 s, floor 90 s');
  });

  it('says not measured rather than met when a configuration is missing', () => {
    const s = summarize(run.filter((x) => x.config === 'operator'));
    const t = targets(s, ratios(s), null);
    expect(t.every((x) => x.met === null)).toBe(true);
  });
});

describe('cost per agent and growth', () => {
  it('divides the medians by the number of agents', () => {
    expect(costPerAgent(summarize(run), 'operator', 1000)).toEqual({
      agents: 1000,
      peakRssMiB: 0.092,
      cpuMsToReady: 9,
      writesToReady: 4.05,
    });
  });

  it('reports growth factors, the cost of each extra agent and the < 2× RSS target', () => {
    const small = summarize(run);
    const large = summarize(
      run.map((r) => ({
        config: r.config,
        metrics: { ...r.metrics, peakRssMiB: r.metrics.peakRssMiB && r.metrics.peakRssMiB * 1.5 },
      })),
    );
    const g = growth([
      { scale: 1, agents: 1000, summary: small, targets: targets(small, ratios(small), 0) },
      { scale: 3, agents: 3000, summary: large, targets: targets(large, ratios(large), 0) },
    ]);
    expect(g?.factors.operator.peakRss).toBe(1.5);
    expect(g?.costPerExtraAgent.operator.peakRssMiB).toBe(round3((138 - 92) / 2000));
    expect(g?.targets[0]).toMatchObject({ met: true, limit: 2 });
    expect(g?.targets[1]?.name).toBe('at 3×: time to all Ready ≤ 1.05 × floor');
  });

  it('has no growth with a single scale', () => {
    const s = summarize(run);
    expect(growth([{ scale: 1, agents: 1000, summary: s, targets: [] }])).toBeNull();
  });
});

function round3(n: number) {
  return Math.round(n * 1000) / 1000;
}

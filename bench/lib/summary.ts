// The operator benchmark's yardsticks, all from one run: min / median / max of every configuration's
// rounds, the ratios of medians (operator to the control-plane floor, operator to the peer), each target
// as met or not, cost per agent, and how the operator grows from 1× to 3×.

/** What every round reports, whatever ran in it (null: not measured in this kind of round). */
export interface RoundMetrics {
  timeToAllReadyS: number;
  peakRssMiB: number | null;
  cpuSecondsToReady: number | null;
  writesToReady: number | null;
  steadyWrites: number | null;
  steadyWritesPerMin: number | null;
}

export const METRICS = [
  'timeToAllReadyS',
  'peakRssMiB',
  'cpuSecondsToReady',
  'writesToReady',
  'steadyWritesPerMin',
] as const satisfies readonly (keyof RoundMetrics)[];
export type Metric = (typeof METRICS)[number];

export interface Stats {
  n: number;
  min: number;
  median: number;
  max: number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Min, median (mean of the middle two for an even count) and max; null for no values. */
export function stats(values: number[]): Stats | null {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
  return {
    n: xs.length,
    min: round(xs[0] as number),
    median: round(median),
    max: round(xs.at(-1) as number),
  };
}

export type ConfigSummary = Record<Metric, Stats | null>;

/** Per configuration (operator, peer, floor, variants): stats of each metric over its finished rounds. */
export function summarize(
  rounds: { config: string; metrics?: RoundMetrics }[],
): Record<string, ConfigSummary> {
  const out: Record<string, ConfigSummary> = {};
  for (const config of new Set(rounds.map((r) => r.config))) {
    const mine = rounds.filter((r) => r.config === config && r.metrics).map((r) => r.metrics as RoundMetrics);
    out[config] = Object.fromEntries(
      METRICS.map((m) => [m, stats(mine.map((r) => r[m]).filter((v): v is number => v !== null))]),
    ) as ConfigSummary;
  }
  return out;
}

const median = (s: Record<string, ConfigSummary>, config: string, m: Metric) =>
  s[config]?.[m]?.median ?? null;
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : round(a / b, 3);

/** Ratios of medians: operator / floor (time) and operator / peer (time, peak RSS, CPU, writes). */
export function ratios(s: Record<string, ConfigSummary>) {
  const of = (m: Metric, other: string) => ratio(median(s, 'operator', m), median(s, other, m));
  return {
    operatorToFloor: { timeToAllReady: of('timeToAllReadyS', 'floor') },
    operatorToPeer: {
      timeToAllReady: of('timeToAllReadyS', 'peer'),
      peakRss: of('peakRssMiB', 'peer'),
      cpuSecondsToReady: of('cpuSecondsToReady', 'peer'),
      writesToReady: of('writesToReady', 'peer'),
    },
  };
}
export type Ratios = ReturnType<typeof ratios>;

export interface Target {
  name: string;
  /** The measured value the target is about (a ratio of medians, or a count). */
  value: number | null;
  limit: number;
  /** Null when the run did not measure what the target needs. */
  met: boolean | null;
  detail: string;
}

const target = (
  name: string,
  value: number | null,
  limit: number,
  detail: string,
  below = false,
): Target => ({
  name,
  value,
  limit,
  met: value === null ? null : below ? value < limit : value <= limit,
  detail,
});

const med = (s: Record<string, ConfigSummary>, config: string, m: Metric, unit: string) => {
  const v = median(s, config, m);
  return v === null ? 'not measured' : `${v} ${unit}`;
};

/** The targets at one scale, each with the medians it compares. */
export function targets(
  s: Record<string, ConfigSummary>,
  r: Ratios,
  steadyWritesMax: number | null,
): Target[] {
  const vs = (m: Metric, other: string, unit: string) =>
    `medians: operator ${med(s, 'operator', m, unit)}, ${other} ${med(s, other, m, unit)}`;
  return [
    target(
      'time to all Ready ≤ 1.05 × floor',
      r.operatorToFloor.timeToAllReady,
      1.05,
      vs('timeToAllReadyS', 'floor', 's'),
    ),
    target(
      'time to all Ready ≤ 0.9 × peer',
      r.operatorToPeer.timeToAllReady,
      0.9,
      vs('timeToAllReadyS', 'peer', 's'),
    ),
    target('peak RSS ≤ 0.5 × peer', r.operatorToPeer.peakRss, 0.5, vs('peakRssMiB', 'peer', 'MiB')),
    target(
      'CPU to all Ready ≤ 0.4 × peer',
      r.operatorToPeer.cpuSecondsToReady,
      0.4,
      vs('cpuSecondsToReady', 'peer', 's'),
    ),
    target(
      'writes at steady state = 0',
      steadyWritesMax,
      0,
      steadyWritesMax === null
        ? 'no steady window measured'
        : `most in one operator round's window: ${steadyWritesMax}`,
    ),
  ];
}

/** Median cost of one agent (one workload for the peer) at one scale. */
export function costPerAgent(s: Record<string, ConfigSummary>, config: string, agents: number) {
  const per = (m: Metric, factor = 1, digits = 3) => {
    const v = median(s, config, m);
    return v === null || agents === 0 ? null : round((v * factor) / agents, digits);
  };
  return {
    agents,
    peakRssMiB: per('peakRssMiB'),
    cpuMsToReady: per('cpuSecondsToReady', 1000, 2),
    writesToReady: per('writesToReady', 1, 2),
  };
}

/** From the smallest to the largest scale run: how much each grew and what each extra agent cost. */
export function growth(
  scales: { scale: number; agents: number; summary: Record<string, ConfigSummary>; targets: Target[] }[],
) {
  const sorted = [...scales].sort((a, b) => a.scale - b.scale);
  const small = sorted[0];
  const large = sorted.at(-1);
  if (!small || !large || small === large) return null;
  const factor = (config: string, m: Metric) =>
    ratio(median(large.summary, config, m), median(small.summary, config, m));
  const marginal = (config: string, m: Metric, unitFactor = 1) => {
    const a = median(small.summary, config, m);
    const b = median(large.summary, config, m);
    return a === null || b === null ? null : round(((b - a) * unitFactor) / (large.agents - small.agents), 3);
  };
  const perExtra = (config: string) => ({
    peakRssMiB: marginal(config, 'peakRssMiB'),
    cpuMsToReady: marginal(config, 'cpuSecondsToReady', 1000),
    writesToReady: marginal(config, 'writesToReady'),
  });
  const rssFactor = factor('operator', 'peakRssMiB');
  const floorTarget = large.targets.find((t) => t.name.includes('floor'));
  return {
    from: small.scale,
    to: large.scale,
    agents: { from: small.agents, to: large.agents },
    factors: {
      operator: {
        timeToAllReady: factor('operator', 'timeToAllReadyS'),
        peakRss: rssFactor,
        cpuSecondsToReady: factor('operator', 'cpuSecondsToReady'),
      },
      peer: {
        timeToAllReady: factor('peer', 'timeToAllReadyS'),
        peakRss: factor('peer', 'peakRssMiB'),
        cpuSecondsToReady: factor('peer', 'cpuSecondsToReady'),
      },
      floor: { timeToAllReady: factor('floor', 'timeToAllReadyS') },
    },
    costPerExtraAgent: { operator: perExtra('operator'), peer: perExtra('peer') },
    targets: [
      target(
        `peak RSS grows < 2× from ${small.scale}× to ${large.scale}×`,
        rssFactor,
        2,
        `medians: ${median(small.summary, 'operator', 'peakRssMiB')} → ${median(large.summary, 'operator', 'peakRssMiB')} MiB`,
        true,
      ),
      ...(floorTarget ? [{ ...floorTarget, name: `at ${large.scale}×: ${floorTarget.name}` }] : []),
    ],
  };
}

// Turns the rounds of one operator-benchmark run into what bench/results/operator.json reports per scale
// (every round, stats per configuration, ratios of medians, targets, cost per agent) and across scales
// (growth), and prints the same as a console table.
import type { Size } from './plan.js';
import {
  type ConfigSummary,
  costPerAgent,
  growth,
  type RoundMetrics,
  ratios,
  type Stats,
  summarize,
  type Target,
  targets,
} from './summary.js';

export interface RoundRecord {
  scale: number;
  round: number;
  config: string;
  status: 'ok' | 'stopped' | 'failed' | 'skipped';
  /** Wall-clock seconds of the whole round, cluster start to teardown. */
  seconds: number;
  metrics?: RoundMetrics;
  /** Why a round stopped, failed or was skipped. */
  reason?: string;
  stoppedAt?: { atS: number; ready: number; expected: number };
  [detail: string]: unknown;
}

export function scaleReport(size: Size, rounds: RoundRecord[]) {
  const mine = rounds.filter((r) => r.scale === size.scale);
  const finished = mine.filter((r) => r.status === 'ok');
  const summary = summarize(finished);
  const r = ratios(summary);
  const steady = finished
    .filter(
      (x) =>
        x.config === 'operator' && x.metrics?.steadyWrites !== null && x.metrics?.steadyWrites !== undefined,
    )
    .map((x) => x.metrics?.steadyWrites as number);
  return {
    scale: size.scale,
    nodes: size.nodes,
    workload: { ...size.workload, agents: size.agents, pods: size.pods },
    summary,
    ratios: r,
    targets: targets(summary, r, steady.length ? Math.max(...steady) : null),
    costPerAgent: {
      operator: costPerAgent(summary, 'operator', size.agents),
      peer: costPerAgent(summary, 'peer', size.agents),
    },
    stopped: mine
      .filter((x) => x.status === 'stopped')
      .map((x) => ({
        config: x.config,
        round: x.round,
        reason: x.reason,
        stoppedAt: x.stoppedAt,
        bottleneck: bottleneckOf(x),
      })),
    rounds: mine,
  };
}
export type ScaleReport = ReturnType<typeof scaleReport>;

function bottleneckOf(r: RoundRecord): string | undefined {
  const system = r.system as { bottleneck?: string } | null | undefined;
  return system?.bottleneck;
}

export function growthReport(scales: ScaleReport[]) {
  return growth(
    scales.map((s) => ({
      scale: s.scale,
      agents: s.workload.agents,
      summary: s.summary,
      targets: s.targets,
    })),
  );
}

const cell = (s: Stats | null | undefined, unit = '') =>
  s ? `${s.median}${unit}${s.n > 1 ? ` (${s.min}–${s.max})` : ''}` : '-';
const met = (t: Target) => (t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met');

/** Console output: per scale, medians (min–max) per configuration, then each target. */
export function printReport(scales: ScaleReport[], growthResult: ReturnType<typeof growthReport>): void {
  for (const s of scales) {
    const configs = Object.keys(s.summary);
    console.log(
      `\n${s.scale}×: ${s.workload.armies} armies × 3 agents (${s.workload.agents} workloads, ${s.workload.pods} pods), ${s.nodes} nodes`,
    );
    const rows: string[][] = [['', ...configs]];
    const line = (label: string, key: keyof ConfigSummary, unit: string) =>
      rows.push([label, ...configs.map((c) => cell(s.summary[c]?.[key], unit))]);
    line('all ready', 'timeToAllReadyS', ' s');
    line('peak RSS', 'peakRssMiB', ' MiB');
    line('CPU to ready', 'cpuSecondsToReady', ' s');
    line('writes to ready', 'writesToReady', '');
    line('steady writes/min', 'steadyWritesPerMin', '');
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
    for (const t of s.targets)
      console.log(`  ${met(t).padEnd(12)} ${t.name}: ${t.value ?? '-'} (${t.detail})`);
    for (const x of s.stopped)
      console.log(`  STOPPED ${x.config} round ${x.round}: ${x.reason}; ${x.bottleneck ?? ''}`);
  }
  if (growthResult)
    for (const t of growthResult.targets)
      console.log(`  ${met(t).padEnd(12)} ${t.name}: ${t.value ?? '-'} (${t.detail})`);
}

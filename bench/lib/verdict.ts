// The operator benchmark's yardsticks: the peer measured on the same harness (Argo Rollouts), the issue's
// targets, pass/fail per round, and the console table.
import type { RoundResult } from './round.js';

/** Argo Rollouts v1.10.2, 333 × 3 workloads × 2 replicas on this harness (25 KWOK nodes, kcm qps 300). */
export const peer = {
  name: 'Argo Rollouts v1.10.2',
  timeToAllReadyS: 82,
  peakRssMiB: 138,
  cpuSeconds: 14,
  steadyWritesPerMin: 346,
};

export const targets = {
  timeToAllReadyS: { max: 60 },
  peakRssMiB: { max: 100 },
  cpuSeconds: { max: 10, measured: 'operator process from start until every army is Ready' },
  steadyWrites: { max: 0, measured: 'operator writes during the steady-state window' },
};

interface Check {
  value: number | null;
  target: number;
  /** Null when this round did not measure it. */
  pass: boolean | null;
}

const check = (value: number | null, max: number): Check => ({
  value,
  target: max,
  pass: value !== null && Number.isFinite(value) && value <= max,
});

export function evaluate(r: RoundResult) {
  const checks = {
    timeToAllReadyS: check(r.timeToAllReadyS, targets.timeToAllReadyS.max),
    peakRssMiB: check(r.memoryMiB.peakRss, targets.peakRssMiB.max),
    cpuSeconds: check(r.cpuSeconds.toAllReady, targets.cpuSeconds.max),
    steadyWrites: r.steady
      ? check(r.steady.writes, targets.steadyWrites.max)
      : { value: null, target: targets.steadyWrites.max, pass: null },
  };
  return { ...checks, allPass: Object.values(checks).every((c) => c.pass !== false) };
}

type Verdict = ReturnType<typeof evaluate>;

const mark = (c: Check) => (c.pass === null ? 'not measured' : `${c.value} ${c.pass ? 'PASS' : 'FAIL'}`);

/** A short table: one column per round next to the target and the peer. */
export function printTable(rounds: (RoundResult & { verdict: Verdict })[]): void {
  const header = ['', 'target', peer.name, ...rounds.map((r) => r.label)];
  const rows: string[][] = [
    header,
    [
      'all Ready (s)',
      '≤ 60',
      String(peer.timeToAllReadyS),
      ...rounds.map((r) => mark(r.verdict.timeToAllReadyS)),
    ],
    ['peak RSS (MiB)', '≤ 100', String(peer.peakRssMiB), ...rounds.map((r) => mark(r.verdict.peakRssMiB))],
    ['CPU to Ready (s)', '≤ 10', String(peer.cpuSeconds), ...rounds.map((r) => mark(r.verdict.cpuSeconds))],
    [
      'steady writes',
      '0',
      `~${peer.steadyWritesPerMin}/min`,
      ...rounds.map((r) => (r.steady ? `${mark(r.verdict.steadyWrites)} (${r.steady.windowS} s)` : '-')),
    ],
    ['reconciles/s', '', '', ...rounds.map((r) => String(r.reconcilesPerSec))],
    [
      'reconcile p50/p99 (ms)',
      '',
      '',
      ...rounds.map((r) => `${r.reconcileTimeMs.p50} / ${r.reconcileTimeMs.p99}`),
    ],
    ['Deployments applied (s)', '', '', ...rounds.map((r) => String(r.allDeploymentsAppliedS ?? '-'))],
    ['Deployments Ready (s)', '', '', ...rounds.map((r) => String(r.allDeploymentsReadyS ?? '-'))],
    ['steady reconciles', '', '', ...rounds.map((r) => String(r.steady?.reconciles ?? '-'))],
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
}

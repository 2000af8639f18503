// What the operator benchmark runs: per scale (1×, 3×) the same workload sizes for every configuration,
// the rounds in alternating order (operator, peer, floor, operator, peer, floor, …), and an estimate of
// how long it will take, refined with each finished round.
import type { Workload } from './army-load.js';

export const AGENTS = ['planner', 'researcher', 'writer'];

export interface BaseSize {
  /** Armies at 1× (each has the 3 agents). */
  armies: number;
  nodes: number;
  namespaces: number;
}

/** The workload and cluster at `scale` × the base: armies, KWOK nodes and namespaces all grow with it. */
export function sizeAt(scale: number, base: BaseSize) {
  const workload: Workload = {
    namespaces: Array.from({ length: Math.ceil(base.namespaces * scale) }, (_, i) => `bench-armies-${i + 1}`),
    armies: Math.round(base.armies * scale),
    agents: AGENTS,
    replicas: 2,
  };
  const agents = workload.armies * workload.agents.length;
  return { scale, nodes: Math.ceil(base.nodes * scale), workload, agents, pods: agents * workload.replicas };
}
export type Size = ReturnType<typeof sizeAt>;

export interface Slot {
  scale: number;
  /** 1-based round of this configuration at this scale. */
  round: number;
  config: string;
}

/** Every round in the order it runs: scale by scale, and within a scale the configurations in turn. */
export function schedule(scales: number[], rounds: number, configs: string[]): Slot[] {
  const out: Slot[] = [];
  for (const scale of scales)
    for (let round = 1; round <= rounds; round++)
      for (const config of configs) out.push({ scale, round, config });
  return out;
}

/**
 * A first guess of one round's seconds on a 2-core machine (cluster start, creation to all ready, the
 * steady window for controllers, teardown), before any round ran: ~0.1 s per workload to all ready
 * (999 workloads took 80–115 s), more per workload at larger scales.
 */
export function guessSeconds(slot: Slot, size: Size, steadySeconds: number): number {
  const clusterUp = 15 + 0.3 * size.nodes;
  const toReady = 10 + 0.1 * size.agents * (1 + 0.15 * (slot.scale - 1));
  const steady = slot.config === 'floor' ? 0 : steadySeconds + 15;
  return Math.round(clusterUp + toReady + steady + 10);
}

/** Estimates from the rounds that ran: same configuration and scale, else the same scaled, else the guess. */
export class Estimator {
  private readonly seen: { slot: Slot; seconds: number }[] = [];

  constructor(
    private readonly sizes: Map<number, Size>,
    private readonly steadySeconds: number,
  ) {}

  record(slot: Slot, seconds: number): void {
    this.seen.push({ slot, seconds });
  }

  estimate(slot: Slot): number {
    const size = this.sizes.get(slot.scale);
    if (!size) return 0;
    const same = this.seen.filter((s) => s.slot.config === slot.config && s.slot.scale === slot.scale);
    if (same.length) return Math.max(...same.map((s) => s.seconds));
    const other = this.seen.find((s) => s.slot.config === slot.config);
    const guess = guessSeconds(slot, size, this.steadySeconds);
    if (!other) return guess;
    const otherSize = this.sizes.get(other.slot.scale);
    const otherGuess = otherSize ? guessSeconds(other.slot, otherSize, this.steadySeconds) : guess;
    return Math.round((other.seconds / otherGuess) * guess);
  }

  total(slots: Slot[]): number {
    return slots.reduce((sum, s) => sum + this.estimate(s), 0);
  }
}

/** "1 h 23 min", "12 min", "45 s". */
export function humanDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

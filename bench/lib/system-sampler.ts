// What the machine does during a round: how busy its CPUs are (/proc/stat) and how much CPU and memory
// each control-plane process and the controller under test take (/proc/<pid>). Every round reports it, so
// a slow round can be told from a busy machine, and a round that stops says what saturated.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { cpuSecondsOf, memoryOf } from './proc-stats.js';

interface Tick {
  at: number;
  /** Jiffies of all CPUs: busy and total. */
  busy: number;
  total: number;
  /** CPU seconds per process name. */
  cpu: Record<string, number>;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Busy and total jiffies of the `cpu` line of /proc/stat (idle and iowait count as not busy). */
export function machineJiffies(stat: string): { busy: number; total: number } {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  const fields = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = fields.slice(0, 8).reduce((a, b) => a + (b || 0), 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * CPU cores used per process between two ticks, busiest first, and as `other processes` what the machine's
 * busy cores leave over: work on the machine that is not the cluster, the controller or the benchmark.
 */
function coresBetween(a: Tick, b: Tick, cpuCount: number): Record<string, number> {
  const seconds = (b.at - a.at) / 1000;
  const out: [string, number][] = [];
  for (const [name, cpu] of Object.entries(b.cpu)) {
    const before = a.cpu[name];
    if (before === undefined || seconds <= 0) continue;
    out.push([name, round((cpu - before) / seconds)]);
  }
  const busyCores = ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * cpuCount;
  const mine = out.reduce((sum, [, c]) => sum + c, 0);
  out.push(['other processes', round(Math.max(0, busyCores - mine))]);
  return Object.fromEntries(out.sort((x, y) => y[1] - x[1]));
}

/** One sentence naming the bottleneck from the last window's figures. */
export function saturationSummary(busyFraction: number, cores: Record<string, number>, cpuCount: number) {
  const top = Object.entries(cores)
    .slice(0, 4)
    .map(([name, c]) => `${name} ${c}`)
    .join(', ');
  const busy = `${Math.round(busyFraction * 100)}%`;
  if (busyFraction >= 0.9)
    return `CPU: the machine's ${cpuCount} cores were ${busy} busy (cores used: ${top})`;
  return `not the CPU (${busy} busy; cores used: ${top}): waiting on something else (rate limits, watches, the controller's queue)`;
}

export class SystemSampler {
  private readonly ticks: Tick[] = [];
  private readonly peakRss = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  /** `pids` is asked again at every tick: processes may appear (the controller) or go. */
  constructor(
    private readonly pids: () => Record<string, number>,
    private readonly intervalMs = 2000,
  ) {}

  start(): this {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) this.tick();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    let stat = '';
    try {
      stat = readFileSync('/proc/stat', 'utf8');
    } catch {
      return;
    }
    const cpu: Record<string, number> = {};
    for (const [name, pid] of Object.entries({ ...this.pids(), benchmark: process.pid })) {
      const s = cpuSecondsOf(pid);
      if (s !== undefined) cpu[name] = s;
      const rss = memoryOf(pid)?.rssBytes;
      if (rss !== undefined && !Number.isNaN(rss))
        this.peakRss.set(name, Math.max(this.peakRss.get(name) ?? 0, rss));
    }
    this.ticks.push({ at: performance.now(), ...machineJiffies(stat), cpu });
  }

  /**
   * Between `from` and `until` (performance.now(); by default the first and the last tick — for a finished
   * round, the first create and the moment all were ready) and over the last 30 s before `until`: how
   * busy the machine was, the cores each process used, peak RSS per process, and the bottleneck.
   */
  report(window: { from?: number; until?: number } = {}) {
    if (this.ticks.length < 2) return null;
    const { from = -Infinity, until = Infinity } = window;
    const last = this.ticks.find((t) => t.at >= until) ?? (this.ticks.at(-1) as Tick);
    const first = this.ticks.findLast((t) => t.at <= from) ?? (this.ticks[0] as Tick);
    if (last.at <= first.at) return null;
    const tail = this.ticks.findLast((t) => t.at <= last.at - 30_000 && t.at >= first.at) ?? first;
    const busy = (a: Tick, b: Tick) => round((b.busy - a.busy) / Math.max(1, b.total - a.total));
    const cpuCount = cpus().length;
    const lastCores = coresBetween(tail, last, cpuCount);
    return {
      cpus: cpuCount,
      seconds: round((last.at - first.at) / 1000, 1),
      machineBusy: { whole: busy(first, last), last30s: busy(tail, last) },
      coresUsed: { whole: coresBetween(first, last, cpuCount), last30s: lastCores },
      peakRssMiB: Object.fromEntries(
        [...this.peakRss].map(([name, bytes]) => [name, round(bytes / 2 ** 20, 1)]),
      ),
      bottleneck: saturationSummary(busy(tail, last), lastCores, cpuCount),
    };
  }
}

export type SystemReport = NonNullable<ReturnType<SystemSampler['report']>>;

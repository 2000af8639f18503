// Resource use of one process from /proc (Linux): resident memory sampled on an interval (plus the
// kernel's own high-water mark, VmHWM) and CPU seconds (utime + stime) — the process itself only, not
// its children.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (almost always 100). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Values (bytes) of `VmRSS` and `VmHWM` from /proc/<pid>/status; undefined once the process is gone. */
export function memoryOf(pid: number): { rssBytes: number; hwmBytes: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssBytes: kib('VmRSS') * 1024, hwmBytes: kib('VmHWM') * 1024 };
}

/** utime + stime of the process in seconds; undefined once the process is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may hold spaces: count fields after the last ')'. Fields from
  // there start at field 3 (state); utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  return (utime + stime) / ticksPerSecond();
}

/** Samples VmRSS every `intervalMs` and keeps the peak and the latest value. */
export class RssSampler {
  peakBytes = 0;
  lastBytes = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pid: number,
    readonly intervalMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sample(): void {
    const mem = memoryOf(this.pid);
    if (!mem || Number.isNaN(mem.rssBytes)) return;
    this.samples += 1;
    this.lastBytes = mem.rssBytes;
    this.peakBytes = Math.max(this.peakBytes, mem.rssBytes);
  }
}

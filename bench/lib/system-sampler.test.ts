import { describe, expect, it } from 'vitest';
import { machineJiffies, SystemSampler, saturationSummary } from './system-sampler.js';

describe('machineJiffies', () => {
  it('counts idle and iowait as not busy, guest time not twice', () => {
    const stat = 'cpu  100 10 50 800 40 5 5 0 30 0\ncpu0 50 5 25 400 20 2 3 0 15 0\n';
    expect(machineJiffies(stat)).toEqual({ busy: 170, total: 1010 });
  });
});

describe('saturationSummary', () => {
  it('names the CPU and the busiest processes when the machine is nearly all busy', () => {
    expect(saturationSummary(0.97, { 'kube-apiserver': 0.9, etcd: 0.4, operator: 0.3 }, 2)).toBe(
      "CPU: the machine's 2 cores were 97% busy (cores used: kube-apiserver 0.9, etcd 0.4, operator 0.3)",
    );
  });

  it('says it is not the CPU when the cores are not busy', () => {
    expect(saturationSummary(0.4, { etcd: 0.2 }, 2)).toMatch(/^not the CPU \(40% busy/);
  });
});

describe('SystemSampler', () => {
  it('measures the CPU this process burns between its first and last tick', () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const s = new SystemSampler(() => ({ self: process.pid })).start();
    while (performance.now() - t0 < 400) Math.sqrt(Math.random());
    s.stop();
    const wallS = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const r = s.report();
    // /proc counts in 10 ms ticks and the two readings' edges differ a little (other threads of this
    // process keep running): the sampler's CPU seconds match Node's own within 0.1 s.
    const sampled = (r?.coresUsed.whole.self ?? 0) * wallS;
    expect(Math.abs(sampled - (used.user + used.system) / 1e6)).toBeLessThan(0.1);
    expect(sampled).toBeGreaterThan(0);
    expect(r?.peakRssMiB.self).toBeGreaterThan(10);
    expect(r?.machineBusy.whole).toBeGreaterThan(0);
    expect(r?.coresUsed.whole['other processes']).toBeGreaterThanOrEqual(0);
  });
});

describe('SystemSampler.report', () => {
  it('covers only the window asked for, from the last tick before `from` to the first after `until`', async () => {
    const s = new SystemSampler(() => ({}), 20).start();
    await new Promise((r) => setTimeout(r, 150));
    const mid = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    s.stop();
    const whole = s.report();
    const early = s.report({ until: mid });
    expect(whole?.seconds).toBeGreaterThanOrEqual(0.4);
    expect(early?.seconds).toBeLessThan(0.3);
    expect(s.report({ from: mid, until: mid - 1000 })).toBeNull();
  });
});

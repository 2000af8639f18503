import { describe, expect, it } from 'vitest';
import type { MeasureContext, MeasurementRequest, TickResult } from './pipeline.js';
import { TickScheduler, tickKey } from './tick-scheduler.js';

const req = (measurements = 0) =>
  ({
    stepIndex: 1,
    run: { startedAt: '2026-12-02T10:00:00Z', measurements: new Array(measurements).fill({}) },
  }) as unknown as MeasurementRequest;
const ctx = {} as MeasureContext;
const result = (n: number) =>
  ({ run: { phase: 'Running' }, subject: {}, results: [`tick ${n}`] }) as unknown as TickResult;

/** A measure whose ticks finish only when the test says so. */
function gated() {
  const pending: ((r: TickResult) => void)[] = [];
  let calls = 0;
  return {
    run: () => {
      calls += 1;
      return new Promise<TickResult>((resolve) => pending.push(resolve));
    },
    finish: (i: number, r: TickResult) => pending[i]?.(r),
    get calls() {
      return calls;
    },
  };
}

describe('TickScheduler', () => {
  it('returns a tick that answers within the budget at once, as a plain await would', async () => {
    const s = new TickScheduler(async () => result(1), 1_000);
    await expect(s.tick('k', req(), ctx, () => {})).resolves.toEqual(result(1));
    expect(s.running).toBe(0);
  });

  it('frees the worker when a tick outlives its budget, wakes the object when it ends, and hands the result over once', async () => {
    const m = gated();
    const s = new TickScheduler(m.run, 10);
    let wakes = 0;
    await expect(s.tick('k', req(), ctx, () => wakes++)).resolves.toBeUndefined();
    // Asked again while it runs: no second query to the slow address.
    await expect(s.tick('k', req(), ctx, () => wakes++)).resolves.toBeUndefined();
    expect(m.calls).toBe(1);
    expect(s.running).toBe(1);
    m.finish(0, result(7));
    await new Promise((r) => setTimeout(r, 0));
    expect(wakes).toBe(1);
    await expect(s.tick('k', req(), ctx, () => {})).resolves.toEqual(result(7));
    expect(s.running).toBe(0);
  });

  it('keys a tick by object, step, run and measurement count', () => {
    expect(tickKey('CanaryRelease/ns/a', req(2))).not.toBe(tickKey('CanaryRelease/ns/a', req(3)));
    expect(tickKey('CanaryRelease/ns/a', req(2))).not.toBe(tickKey('CanaryRelease/ns/b', req(2)));
  });

  it('starts no more than MAX_IN_FLIGHT ticks at once', async () => {
    const m = gated();
    const s = new TickScheduler(m.run, 1);
    for (let i = 0; i < 70; i++) await s.tick(`k${i}`, req(), ctx, () => {});
    expect(m.calls).toBe(64);
    expect(s.running).toBe(64);
  });

  it('passes a failing tick (e.g. its Secret could not be read) to the reconcile, and tries again on the next', async () => {
    const s = new TickScheduler(async () => {
      throw new Error('secrets "x" is forbidden');
    }, 1_000);
    await expect(s.tick('k', req(), ctx, () => {})).rejects.toThrow('forbidden');
    await expect(s.tick('k', req(), ctx, () => {})).rejects.toThrow('forbidden');
  });
});

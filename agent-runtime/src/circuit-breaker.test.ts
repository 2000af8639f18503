import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BreakerOpenError, type BreakerState, breakerStateValue, CircuitBreaker } from './circuit-breaker.js';

class Unhealthy extends Error {}
class CallerError extends Error {}
class Aborted extends Error {}

function setup(failureThreshold = 3, resetTimeoutMs = 1000) {
  const transitions: string[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold,
    resetTimeoutMs,
    isFailure: (err) => err instanceof Unhealthy,
    failsProbe: (err) => err instanceof Aborted,
    onStateChange: (from: BreakerState, to: BreakerState) => transitions.push(`${from}->${to}`),
  });
  const run = (outcome: 'ok' | Error) =>
    breaker.execute(async () => {
      if (outcome instanceof Error) throw outcome;
      return outcome;
    });
  const fail = async (n: number) => {
    for (let i = 0; i < n; i++) await run(new Unhealthy()).catch(() => undefined);
  };
  return { breaker, transitions, run, fail };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and a success resets the count', async () => {
    const { breaker, fail, run } = setup(3);
    await fail(2);
    expect(breaker.consecutiveFailures).toBe(2);
    await run('ok');
    expect(breaker.consecutiveFailures).toBe(0);
    await fail(2);
    expect(breaker.state).toBe('closed');
  });

  it('opens after the threshold of consecutive failures and refuses calls without running them', async () => {
    const { breaker, fail, transitions } = setup(3, 1000);
    await fail(3);
    expect(breaker.state).toBe('open');
    const fn = vi.fn(async () => 'ok');
    await expect(breaker.execute(fn)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(fn).not.toHaveBeenCalled();
    expect(breaker.retryAfterMs()).toBe(1000);
    expect(transitions).toEqual(['closed->open']);
  });

  it('reads as half-open once the reset timeout has passed, even with no call arriving', async () => {
    const { breaker, fail } = setup(1, 1000);
    await fail(1);
    vi.advanceTimersByTime(999);
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(breaker.state).toBe('half_open');
    expect(breaker.retryAfterMs()).toBe(0);
  });

  it('lets exactly one probe through when half-open, refusing others at once; its success closes it', async () => {
    const { breaker, fail, transitions } = setup(1, 1000);
    await fail(1);
    vi.advanceTimersByTime(1000);
    let finish: (v: string) => void = () => undefined;
    const probe = breaker.execute(() => new Promise<string>((r) => (finish = r)));
    await expect(breaker.execute(async () => 'other')).rejects.toBeInstanceOf(BreakerOpenError);
    finish('ok');
    await expect(probe).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(async () => 'next')).resolves.toBe('next');
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('opens again for another reset timeout when the probe fails', async () => {
    const { breaker, fail, run } = setup(1, 1000);
    await fail(1);
    vi.advanceTimersByTime(1000);
    await expect(run(new Unhealthy())).rejects.toBeInstanceOf(Unhealthy);
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(1000);
  });

  it('does not count errors that blame the caller, and passes them through', async () => {
    const { breaker, run, fail } = setup(2);
    await fail(1);
    await expect(run(new CallerError())).rejects.toBeInstanceOf(CallerError);
    expect(breaker.consecutiveFailures).toBe(1);
    expect(breaker.state).toBe('closed');
  });

  it('counts a probe abandoned by its caller as a failed probe, but an abandoned call when closed not at all', async () => {
    const { breaker, run, fail } = setup(1, 1000);
    await expect(run(new Aborted())).rejects.toBeInstanceOf(Aborted);
    expect(breaker.state).toBe('closed');
    await fail(1);
    vi.advanceTimersByTime(1000);
    await expect(run(new Aborted())).rejects.toBeInstanceOf(Aborted);
    expect(breaker.state).toBe('open');
  });

  it('maps states to the exported gauge values', () => {
    expect(breakerStateValue('closed')).toBe(0);
    expect(breakerStateValue('half_open')).toBe(1);
    expect(breakerStateValue('open')).toBe(2);
  });
});

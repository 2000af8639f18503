import { describe, expect, it } from 'vitest';
import { type BreakerState, breakerStateValue, CircuitBreaker } from './circuit-breaker.js';

function setup(failureThreshold = 3, resetTimeoutMs = 1000) {
  let now = 0;
  const transitions: string[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold,
    resetTimeoutMs,
    now: () => now,
    onStateChange: (from: BreakerState, to: BreakerState) => transitions.push(`${from}->${to}`),
  });
  const fail = (n: number) => {
    for (let i = 0; i < n; i++) breaker.tryAcquire()?.failure();
  };
  return { breaker, transitions, fail, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and a success resets the count', () => {
    const { breaker, fail } = setup(3);
    fail(2);
    expect(breaker.consecutiveFailures).toBe(2);
    breaker.tryAcquire()?.success();
    fail(2);
    expect(breaker.state).toBe('closed');
  });

  it('opens after the threshold of consecutive failures and refuses calls', () => {
    const { breaker, fail, transitions } = setup(3, 1000);
    fail(3);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.retryAfterMs()).toBe(1000);
    expect(transitions).toEqual(['closed->open']);
  });

  it('becomes half-open after the reset timeout, even with no call arriving', () => {
    const { breaker, fail, advance } = setup(1, 1000);
    fail(1);
    advance(999);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half_open');
    expect(breaker.retryAfterMs()).toBe(0);
  });

  it('lets exactly one probe through when half-open; its success closes the breaker', () => {
    const { breaker, fail, advance, transitions } = setup(1, 1000);
    fail(1);
    advance(1000);
    const probe = breaker.tryAcquire();
    expect(probe).toBeDefined();
    expect(breaker.tryAcquire()).toBeUndefined();
    probe?.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBeDefined();
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('re-opens for a full reset timeout when the probe fails', () => {
    const { breaker, fail, advance } = setup(1, 1000);
    fail(1);
    advance(1000);
    breaker.tryAcquire()?.failure();
    expect(breaker.state).toBe('open');
    advance(999);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half_open');
  });

  it('frees the probe slot when the probe ends without a verdict', () => {
    const { breaker, fail, advance } = setup(1, 1000);
    fail(1);
    advance(1000);
    breaker.tryAcquire()?.release();
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('ignores late results of calls admitted before the breaker opened', () => {
    const { breaker, fail, advance } = setup(2, 1000);
    const lateA = breaker.tryAcquire();
    const lateB = breaker.tryAcquire();
    fail(2);
    lateA?.success();
    expect(breaker.state).toBe('open');
    advance(1000);
    const probe = breaker.tryAcquire();
    lateB?.failure();
    expect(breaker.state).toBe('half_open');
    probe?.success();
    expect(breaker.state).toBe('closed');
  });

  it('counts each permit once', () => {
    const { breaker } = setup(2);
    const p = breaker.tryAcquire();
    p?.failure();
    p?.failure();
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(1);
  });

  it('exports 0 closed, 1 half-open, 2 open', () => {
    expect([breakerStateValue('closed'), breakerStateValue('half_open'), breakerStateValue('open')]).toEqual([
      0, 1, 2,
    ]);
  });
});

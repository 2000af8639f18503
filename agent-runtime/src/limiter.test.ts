import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './limiter.js';

describe('ConcurrencyLimiter', () => {
  it('admits up to max at once and refuses the next without waiting', () => {
    const limiter = new ConcurrencyLimiter(2);
    const a = limiter.tryAcquire();
    const b = limiter.tryAcquire();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(limiter.tryAcquire()).toBeUndefined();
    expect(limiter.inFlight).toBe(2);
    a?.();
    expect(limiter.inFlight).toBe(1);
    expect(limiter.tryAcquire()).toBeDefined();
  });

  it('ignores a second release of the same slot', () => {
    const limiter = new ConcurrencyLimiter(1);
    const a = limiter.tryAcquire();
    a?.();
    a?.();
    expect(limiter.inFlight).toBe(0);
    limiter.tryAcquire();
    expect(limiter.tryAcquire()).toBeUndefined();
  });

  it('rejects a non-positive limit', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(/positive integer/);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { Backoff, BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter } from './rate-limiter.js';

describe('ItemExponentialRateLimiter', () => {
  it.each([
    [1, 5],
    [2, 10],
    [3, 20],
    [10, 2560],
    [30, 1_000_000],
    [2000, 1_000_000],
  ])('after %i failures the delay is %i ms (5 ms base, 1000 s cap)', (failures, expected) => {
    const rl = new ItemExponentialRateLimiter();
    let last = 0;
    for (let i = 0; i < failures; i++) last = rl.when('k');
    expect(last).toBe(expected);
    expect(rl.retries('k')).toBe(failures);
  });

  it('keeps keys independent and resets a key on forget', () => {
    const rl = new ItemExponentialRateLimiter();
    rl.when('a');
    rl.when('a');
    expect(rl.when('b')).toBe(5);
    rl.forget('a');
    expect(rl.retries('a')).toBe(0);
    expect(rl.when('a')).toBe(5);
  });
});

describe('BucketRateLimiter', () => {
  it('allows the burst without delay, then spaces retries at 1/qps, and refills over time', async () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(clock, 10, 3);
    expect([rl.when('a'), rl.when('b'), rl.when('c')]).toEqual([0, 0, 0]);
    expect(rl.when('d')).toBe(100);
    expect(rl.when('e')).toBe(200);
    await clock.advance(1000);
    expect(rl.when('f')).toBe(0);
  });
});

describe('MaxOfRateLimiter', () => {
  it('returns the larger delay of its parts', () => {
    const clock = new FakeClock();
    const rl = new MaxOfRateLimiter(
      new ItemExponentialRateLimiter(5, 1000),
      new BucketRateLimiter(clock, 1, 1),
    );
    expect(rl.when('a')).toBe(5);
    expect(rl.when('a')).toBe(1000);
  });
});

describe('Backoff', () => {
  it.each([
    [0, [400, 800, 1600, 3200]],
    [1, [800, 1600, 3200, 6400]],
  ])('with random()=%d yields jittered doubling delays %j', (r, expected) => {
    const b = new Backoff(800, 30_000, () => r);
    expect(expected.map(() => b.next())).toEqual(expected);
  });

  it('caps at the maximum and starts over after reset', () => {
    const b = new Backoff(800, 2000, () => 1);
    for (let i = 0; i < 10; i++) b.next();
    expect(b.next()).toBe(2000);
    b.reset();
    expect(b.next()).toBe(800);
  });
});

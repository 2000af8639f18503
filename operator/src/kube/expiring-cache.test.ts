import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  it('serves a loaded value until it is ttl old, then loads again', async () => {
    const clock = new FakeClock();
    const cache = new ExpiringCache<number>(5000, clock);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    await clock.advance(4999);
    expect(await cache.get('k', load)).toBe(1);
    await clock.advance(1);
    expect(await cache.get('k', load)).toBe(2);
    expect(await cache.get('other', load)).toBe(3);
  });

  it('shares one load between concurrent readers of a key', async () => {
    const cache = new ExpiringCache<string>(1000, new FakeClock());
    let loads = 0;
    const load = () => new Promise<string>((r) => setTimeout(() => r(`v${++loads}`), 5));
    expect(await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)])).toEqual([
      'v1',
      'v1',
      'v1',
    ]);
    expect(loads).toBe(1);
  });

  it('does not keep a failed load: the next reader tries again', async () => {
    const cache = new ExpiringCache<string>(60_000, new FakeClock());
    await expect(cache.get('k', () => Promise.reject(new Error('503')))).rejects.toThrow('503');
    expect(await cache.get('k', async () => 'ok')).toBe('ok');
  });

  it('drops expired entries once it holds more than sweepAbove', async () => {
    const clock = new FakeClock();
    const cache = new ExpiringCache<number>(1000, clock, 2);
    await cache.get('a', async () => 1);
    await cache.get('b', async () => 2);
    await clock.advance(1000);
    await cache.get('c', async () => 3);
    expect(cache.size).toBe(1);
  });
});

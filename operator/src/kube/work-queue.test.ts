import { describe, expect, it } from 'vitest';
import { createRuntimeMetrics } from '../observability/metrics.js';
import { FakeClock, flushMicrotasks } from './clock.js';
import { ItemExponentialRateLimiter } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

function newQueue(clock = new FakeClock()) {
  const metrics = createRuntimeMetrics();
  const queue = new WorkQueue({
    name: 'test',
    clock,
    metrics,
    rateLimiter: new ItemExponentialRateLimiter(5, 1000),
  });
  return { queue, clock, metrics };
}

async function metricValue(metrics: ReturnType<typeof createRuntimeMetrics>, name: string): Promise<number> {
  const m = metrics.registry.getSingleMetric(name);
  const data = await m!.get();
  return data.values[0]?.value ?? 0;
}

describe('WorkQueue', () => {
  it('de-duplicates a key added several times before it is taken', async () => {
    const { queue, metrics } = newQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(await metricValue(metrics, 'workqueue_adds_total')).toBe(2);
  });

  it('never hands out a key that is being processed, and re-queues it after done when re-added', async () => {
    const { queue } = newQueue();
    queue.add('k');
    const first = await queue.get();
    queue.add('k');
    expect(queue.length).toBe(0);
    let second: string | undefined;
    void queue.get().then((k) => {
      second = k;
    });
    await flushMicrotasks();
    expect(second).toBeUndefined();
    queue.done(first!);
    await flushMicrotasks();
    expect(second).toBe('k');
    expect(queue.inFlight).toBe(1);
  });

  it('does not re-queue a processed key that was not re-added', async () => {
    const { queue } = newQueue();
    queue.add('k');
    queue.done((await queue.get())!);
    expect(queue.length).toBe(0);
    expect(queue.inFlight).toBe(0);
  });

  it('wakes a waiting get() when a key is added', async () => {
    const { queue } = newQueue();
    const pending = queue.get();
    queue.add('late');
    expect(await pending).toBe('late');
  });

  it('grows per-key backoff exponentially on addRateLimited and resets it on forget', async () => {
    const { queue, clock, metrics } = newQueue();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = clock.now();
      queue.addRateLimited('k');
      while (queue.length === 0) await clock.advance(1);
      delays.push(clock.now() - t0);
      queue.done((await queue.get())!);
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(queue.numRequeues('k')).toBe(4);
    expect(await metricValue(metrics, 'workqueue_retries_total')).toBe(4);
    queue.forget('k');
    expect(queue.numRequeues('k')).toBe(0);
  });

  it.each([
    ['a later addAfter does not postpone an earlier one', [100, 500], 100],
    ['an earlier addAfter replaces a later one', [500, 100], 100],
  ])('%s', async (_name, delays, expectedAt) => {
    const { queue, clock } = newQueue();
    const t0 = clock.now();
    for (const d of delays) queue.addAfter('k', d);
    while (queue.length === 0) await clock.advance(1);
    expect(clock.now() - t0).toBe(expectedAt);
    queue.done((await queue.get())!);
    await clock.advance(1000);
    expect(queue.length).toBe(0);
  });

  it('addAfter with a zero delay adds at once', async () => {
    const { queue } = newQueue();
    queue.addAfter('k', 0);
    expect(queue.length).toBe(1);
    expect(queue.waiting).toBe(0);
  });

  it('shutdown releases waiting getters with undefined and ignores further adds', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('later', 50);
    const pending = queue.get();
    queue.shutdown();
    expect(await pending).toBeUndefined();
    queue.add('x');
    await clock.advance(100);
    expect(queue.length).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it('shutdownAndDrain waits for in-flight keys to be done', async () => {
    const { queue } = newQueue();
    queue.add('a');
    const key = (await queue.get())!;
    let drained = false;
    const drain = queue.shutdownAndDrain().then(() => {
      drained = true;
    });
    await flushMicrotasks();
    expect(drained).toBe(false);
    queue.done(key);
    await drain;
    expect(drained).toBe(true);
  });

  it('records depth, queue duration and work duration', async () => {
    const { queue, clock, metrics } = newQueue();
    queue.add('a');
    queue.add('b');
    expect(await metricValue(metrics, 'workqueue_depth')).toBe(2);
    await clock.advance(2000);
    const key = (await queue.get())!;
    await clock.advance(3000);
    queue.done(key);
    const text = await metrics.registry.metrics();
    expect(text).toContain('workqueue_queue_duration_seconds_sum{name="test"} 2');
    expect(text).toContain('workqueue_work_duration_seconds_sum{name="test"} 3');
    expect(await metricValue(metrics, 'workqueue_depth')).toBe(1);
  });
});

// A small read-through cache whose entries expire after a fixed time. The promise is cached, so concurrent
// readers of one key share one load; a failed load is not kept (the next reader tries again).
import { type Clock, realClock } from './clock.js';

export class ExpiringCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Pick<Clock, 'now'> = realClock,
    /** Past this many entries, expired ones are dropped on the next load. */
    private readonly sweepAbove = 256,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const entry = { at: now, value: load() };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    if (this.entries.size > this.sweepAbove)
      for (const [k, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(k);
    return entry.value;
  }
}

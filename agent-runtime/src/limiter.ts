// Bounded concurrency without a queue: a request either gets a slot now or is refused at once (the server
// answers 429), so overload never piles up waiting requests and their memory.

export class ConcurrencyLimiter {
  private active = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  }

  get inFlight(): number {
    return this.active;
  }

  /** A release function when a slot is free, otherwise undefined. Releasing twice is harmless. */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.max) return undefined;
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
    };
  }
}

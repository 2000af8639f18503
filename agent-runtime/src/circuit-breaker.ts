// A circuit breaker around the model upstream. Closed: calls pass, consecutive failures are counted; at
// `failureThreshold` it opens. Open: calls are refused without touching the upstream until
// `resetTimeoutMs` has passed, then it is half-open. Half-open: exactly one probe call is let through;
// its success closes the breaker, its failure opens it again for another `resetTimeoutMs`.
// The open → half-open step is computed from the clock when the state is read, so a pod whose readiness
// probe reads the state becomes ready again (and receives the probe traffic) without any request arriving.

export const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** Numeric value exported as agent_circuit_breaker_state: 0 closed, 1 half-open, 2 open. */
export function breakerStateValue(state: BreakerState): number {
  return BREAKER_STATES.indexOf(state);
}

export interface BreakerOptions {
  failureThreshold: number;
  resetTimeoutMs: number;
  now?: () => number;
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

/** The right to make one upstream call; report exactly one result. */
export interface BreakerPermit {
  /** The call succeeded. */
  success(): void;
  /** The call failed in a way that says the upstream is unhealthy. */
  failure(): void;
  /** The call ended without saying anything about the upstream (client error, cancelled). */
  release(): void;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  /** Bumped on every transition; results of calls admitted under an older generation are ignored. */
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.opts.resetTimeoutMs) {
      this.transition('half_open');
    }
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when not open). */
  retryAfterMs(): number {
    if (this.state !== 'open') return 0;
    return Math.max(0, this.openedAt + this.opts.resetTimeoutMs - this.now());
  }

  /** A permit when a call may go to the upstream now, otherwise undefined (the caller fails fast). */
  tryAcquire(): BreakerPermit | undefined {
    const state = this.state;
    if (state === 'open') return undefined;
    if (state === 'half_open') {
      if (this.probeInFlight) return undefined;
      this.probeInFlight = true;
    }
    const generation = this.generation;
    const probe = state === 'half_open';
    let done = false;
    const settle = (result: 'success' | 'failure' | 'release') => {
      if (done) return;
      done = true;
      if (probe && generation === this.generation) this.probeInFlight = false;
      if (generation !== this.generation || result === 'release') return;
      if (result === 'success') this.onSuccess();
      else this.onFailure();
    };
    return {
      success: () => settle('success'),
      failure: () => settle('failure'),
      release: () => settle('release'),
    };
  }

  private onSuccess(): void {
    this.failures = 0;
    if (this.current === 'half_open') this.transition('closed');
  }

  private onFailure(): void {
    if (this.current === 'half_open') {
      this.open();
      return;
    }
    this.failures += 1;
    if (this.failures >= this.opts.failureThreshold) this.open();
  }

  private open(): void {
    this.openedAt = this.now();
    this.transition('open');
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.generation += 1;
    this.probeInFlight = false;
    if (to === 'closed') this.failures = 0;
    this.opts.onStateChange?.(from, to);
  }
}

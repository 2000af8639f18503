// A circuit breaker around one dependency (the model upstream, or one tool), built on cockatiel's
// CircuitBreakerPolicy with a ConsecutiveBreaker. Closed: calls pass and consecutive failures are counted;
// at `failureThreshold` it opens. Open: calls are refused without touching the dependency until
// `resetTimeoutMs` has passed; then the next call is the one probe (half-open). Its success closes the
// breaker, its failure opens it for another `resetTimeoutMs`.
//
// What this adds to cockatiel, so the documented behaviour holds (docs/runtime.md, "Circuit breaker"):
// - the state is read from the clock: an open breaker whose reset timeout has passed reads as half-open,
//   so a pod whose readiness probe reads it becomes ready again without any request arriving;
// - while the probe is in flight, other calls are refused at once (cockatiel would queue them behind it);
// - the time until the probe, for Retry-After.
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';

export const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** Numeric value exported as agent_circuit_breaker_state: 0 closed, 1 half-open, 2 open. */
export function breakerStateValue(state: BreakerState): number {
  return BREAKER_STATES.indexOf(state);
}

export interface BreakerOptions {
  failureThreshold: number;
  resetTimeoutMs: number;
  /** Errors that say the dependency is unhealthy. Others pass through without counting. */
  isFailure: (err: unknown) => boolean;
  /**
   * Errors that count as a failure only when they end the half-open probe (the caller gave up on it,
   * so it proved nothing). Default: none.
   */
  failsProbe?: (err: unknown) => boolean;
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

/** Thrown instead of calling the dependency while the breaker is open (or its probe is in flight). */
export class BreakerOpenError extends Error {
  override name = 'BreakerOpenError';
  constructor(readonly retryAfterMs: number) {
    super('the circuit breaker is open');
  }
}

export class CircuitBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private readonly counter: ConsecutiveBreaker;
  private openedAt = 0;
  private last: BreakerState = 'closed';

  constructor(private readonly opts: BreakerOptions) {
    this.counter = new ConsecutiveBreaker(opts.failureThreshold);
    const failsProbe = opts.failsProbe ?? (() => false);
    this.policy = circuitBreaker(
      handleWhen(
        (err) => opts.isFailure(err) || (this.policy.state === CircuitState.HalfOpen && failsProbe(err)),
      ),
      { halfOpenAfter: opts.resetTimeoutMs, breaker: this.counter },
    );
    this.policy.onBreak(() => {
      this.openedAt = Date.now();
    });
    this.policy.onStateChange(() => this.notify());
  }

  get state(): BreakerState {
    const s = this.policy.state;
    if (s === CircuitState.Closed) return 'closed';
    if (s === CircuitState.HalfOpen) return 'half_open';
    return Date.now() - this.openedAt >= this.opts.resetTimeoutMs ? 'half_open' : 'open';
  }

  /** Consecutive failures counted while closed (reset by a success). */
  get consecutiveFailures(): number {
    return this.counter.state;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it is not open). */
  retryAfterMs(): number {
    if (this.policy.state !== CircuitState.Open) return 0;
    return Math.max(0, this.openedAt + this.opts.resetTimeoutMs - Date.now());
  }

  /** Runs `fn` through the breaker; throws BreakerOpenError instead of calling it when refused. */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    // A probe is in flight: refuse at once rather than queue behind it.
    if (this.policy.state === CircuitState.HalfOpen) throw new BreakerOpenError(0);
    try {
      return await this.policy.execute(fn);
    } catch (err) {
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
        throw new BreakerOpenError(this.retryAfterMs());
      }
      throw err;
    } finally {
      this.notify();
    }
  }

  private notify(): void {
    const now = this.state;
    if (now === this.last) return;
    const from = this.last;
    this.last = now;
    this.opts.onStateChange?.(from, now);
  }
}

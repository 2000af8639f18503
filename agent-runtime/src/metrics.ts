// Prometheus metrics of one runtime process (names, labels and queries: docs/metrics.md). Every series
// carries the identity labels agent, version, track (and namespace when POD_NAMESPACE is set), so the
// operator's analysis can compare the stable and canary tracks of one agent.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Values of the `outcome` label of agent_requests_total and agent_request_duration_seconds. */
export const OUTCOMES = ['success', 'error', 'timeout', 'rejected', 'invalid', 'canceled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Values of the `kind` label of agent_upstream_errors_total. */
export const UPSTREAM_ERROR_KINDS = [
  'timeout',
  'connection',
  'rate_limited',
  'server',
  'client',
  'invalid_response',
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

export const TOKEN_TYPES = ['prompt', 'completion'] as const;

/** Seconds; spans a fast failure (ms) to a long generation (minutes). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

export interface MetricsOptions {
  labels: { agent: string; version: string; track: string; namespace?: string | undefined };
  breakerState: () => number;
  inFlight: () => number;
  /** Also export process_* and nodejs_* metrics (RSS, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions) {
  const registry = new Registry();
  const { namespace, ...identity } = opts.labels;
  registry.setDefaultLabels(namespace ? { ...identity, namespace } : identity);
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'agent_requests_total',
    help: 'Invoke requests by outcome (success, error, timeout, rejected, invalid, canceled).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'agent_request_duration_seconds',
    help: 'Invoke request duration in seconds, from arrival to the last byte of the answer, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'agent_upstream_errors_total',
    help: 'Failed model calls (after the SDK retries) by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'agent_tokens_total',
    help: 'Tokens reported by the model, by type (prompt, completion).',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'agent_cost_usd_total',
    help: 'Estimated model cost in USD from the token counts and the configured price table.',
    registers: [registry],
  });
  new Gauge({
    name: 'agent_circuit_breaker_state',
    help: 'Upstream circuit breaker state: 0 closed, 1 half-open, 2 open.',
    registers: [registry],
    collect() {
      this.set(opts.breakerState());
    },
  });
  new Gauge({
    name: 'agent_inflight_requests',
    help: 'Invoke requests currently being served.',
    registers: [registry],
    collect() {
      this.set(opts.inFlight());
    },
  });

  // Start every labelled series at zero so rate() ratios exist before the first error (an absent numerator
  // would make the error-rate query return nothing instead of 0).
  for (const outcome of OUTCOMES) requests.inc({ outcome }, 0);
  for (const kind of UPSTREAM_ERROR_KINDS) upstreamErrors.inc({ kind }, 0);
  for (const type of TOKEN_TYPES) tokens.inc({ type }, 0);
  cost.inc(0);

  return {
    registry,
    /** Records one finished invoke request. */
    observeRequest(outcome: Outcome, seconds: number): void {
      requests.inc({ outcome });
      duration.observe({ outcome }, seconds);
    },
    upstreamError(kind: UpstreamErrorKind): void {
      upstreamErrors.inc({ kind });
    },
    usage(promptTokens: number, completionTokens: number, usd: number | undefined): void {
      if (promptTokens > 0) tokens.inc({ type: 'prompt' }, promptTokens);
      if (completionTokens > 0) tokens.inc({ type: 'completion' }, completionTokens);
      if (usd !== undefined && usd > 0) cost.inc(usd);
    },
  };
}

export type RuntimeMetrics = ReturnType<typeof createMetrics>;

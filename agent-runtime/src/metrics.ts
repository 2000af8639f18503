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

/** Values of the `outcome` label of agent_tool_calls_total. */
export const TOOL_OUTCOMES = ['success', 'error', 'timeout', 'circuit_open', 'invalid', 'stubbed'] as const;
export type ToolOutcome = (typeof TOOL_OUTCOMES)[number];
/** The `tool` label of calls to a tool the version does not have (the label set stays the version's). */
export const UNKNOWN_TOOL = '(unknown)';

/** Values of the `verdict` label of agent_evals_total, and `reason` of agent_evals_dropped_total. */
export const EVAL_VERDICTS = ['pass', 'fail', 'error'] as const;
export type EvalVerdict = (typeof EVAL_VERDICTS)[number];
export const EVAL_DROP_REASONS = ['queue_full', 'budget'] as const;
export type EvalDropReason = (typeof EVAL_DROP_REASONS)[number];

/** Distinct `served_model` values kept; later ones are counted as "other" so the series stay bounded. */
export const MAX_SERVED_MODELS = 8;
export const OTHER_MODEL = 'other';

/** Seconds; spans a fast failure (ms) to a long generation (minutes). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
export const TOOL_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
export const STEP_BUCKETS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32, 64];
export const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

export interface MetricsOptions {
  labels: { agent: string; version: string; track: string; namespace?: string | undefined };
  breakerState: () => number;
  inFlight: () => number;
  /** Tool names of the version (the only values of the `tool` label besides "(unknown)"). */
  tools?: readonly string[];
  /** Breaker state of one tool (0 closed, 1 half-open, 2 open), read at scrape time. */
  toolBreakerState?: (tool: string) => number;
  /** 1 while the pod gets only mirrored requests (TRAFFIC_MODE_FILE says shadow), read at scrape time. */
  shadow?: () => boolean;
  /** The version has a judge: create its series (at 0) so rates exist before the first sample. */
  judge?: boolean;
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

  const shadow = opts.shadow;
  new Gauge({
    name: 'agent_shadow_traffic',
    help: '1 while the pod is told it receives only mirrored (shadow) requests (TRAFFIC_MODE_FILE), else 0.',
    registers: [registry],
    collect() {
      this.set(shadow?.() ? 1 : 0);
    },
  });

  const toolCalls = new Counter({
    name: 'agent_tool_calls_total',
    help: 'Tool calls by tool and outcome (success, error, timeout, circuit_open, invalid, stubbed), after retries.',
    labelNames: ['tool', 'outcome'] as const,
    registers: [registry],
  });
  const toolRetries = new Counter({
    name: 'agent_tool_retries_total',
    help: 'Tool call attempts repeated after a failed one, by tool.',
    labelNames: ['tool'] as const,
    registers: [registry],
  });
  const toolDuration = new Histogram({
    name: 'agent_tool_call_duration_seconds',
    help: 'Duration of a tool call in seconds (all its attempts), by tool.',
    labelNames: ['tool'] as const,
    buckets: TOOL_DURATION_BUCKETS,
    registers: [registry],
  });
  const tools = opts.tools ?? [];
  const toolBreakerState = opts.toolBreakerState;
  if (tools.length > 0 && toolBreakerState) {
    new Gauge({
      name: 'agent_tool_circuit_breaker_state',
      help: 'Circuit breaker state of each tool: 0 closed, 1 half-open, 2 open.',
      labelNames: ['tool'] as const,
      registers: [registry],
      collect() {
        for (const tool of tools) this.set({ tool }, toolBreakerState(tool));
      },
    });
  }
  const steps = new Histogram({
    name: 'agent_steps_per_request',
    help: 'Model calls (steps of the tool loop) per answered request.',
    buckets: STEP_BUCKETS,
    registers: [registry],
  });
  const served = new Counter({
    name: 'agent_model_served_total',
    help: `Model calls answered, by the model the provider reported (the first ${MAX_SERVED_MODELS} names, then "${OTHER_MODEL}").`,
    labelNames: ['served_model'] as const,
    registers: [registry],
  });
  const servedNames = new Set<string>();
  const evalScore = new Histogram({
    name: 'agent_eval_score',
    help: 'Scores (0..1) the online judge gave to sampled answers.',
    buckets: SCORE_BUCKETS,
    registers: [registry],
  });
  const evals = new Counter({
    name: 'agent_evals_total',
    help: 'Answers judged by the online judge, by verdict (pass, fail, error).',
    labelNames: ['verdict'] as const,
    registers: [registry],
  });
  const evalsDropped = new Counter({
    name: 'agent_evals_dropped_total',
    help: 'Sampled answers not judged, by reason (queue_full, budget).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });

  // Start every labelled series at zero so rate() ratios exist before the first error (an absent numerator
  // would make the error-rate query return nothing instead of 0).
  for (const outcome of OUTCOMES) requests.inc({ outcome }, 0);
  for (const kind of UPSTREAM_ERROR_KINDS) upstreamErrors.inc({ kind }, 0);
  for (const type of TOKEN_TYPES) tokens.inc({ type }, 0);
  cost.inc(0);
  for (const tool of tools) {
    for (const outcome of TOOL_OUTCOMES) toolCalls.inc({ tool, outcome }, 0);
    toolRetries.inc({ tool }, 0);
  }
  if (opts.judge) {
    for (const verdict of EVAL_VERDICTS) evals.inc({ verdict }, 0);
    for (const reason of EVAL_DROP_REASONS) evalsDropped.inc({ reason }, 0);
  }

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
    /** One finished tool call; `tool` must be a name of the version (or UNKNOWN_TOOL). */
    toolCall(tool: string, outcome: ToolOutcome, seconds: number | undefined, retries: number): void {
      toolCalls.inc({ tool, outcome });
      if (seconds !== undefined) toolDuration.observe({ tool }, seconds);
      if (retries > 0) toolRetries.inc({ tool }, retries);
    },
    steps(n: number): void {
      steps.observe(n);
    },
    /** One model call answered by `model` (as the provider reported it). */
    served(model: string): void {
      let label = model;
      if (!servedNames.has(model)) {
        if (servedNames.size < MAX_SERVED_MODELS) servedNames.add(model);
        else label = OTHER_MODEL;
      }
      served.inc({ served_model: label });
    },
    evaluated(verdict: EvalVerdict, score: number | undefined): void {
      evals.inc({ verdict });
      if (score !== undefined) evalScore.observe(score);
    },
    evalDropped(reason: EvalDropReason): void {
      evalsDropped.inc({ reason });
    },
  };
}

export type RuntimeMetrics = ReturnType<typeof createMetrics>;

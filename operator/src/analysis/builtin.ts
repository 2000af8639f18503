// The built-in metric set behind the shorthands of AnalysisSpec, written against the agent-runtime
// metric names (docs/metrics.md, "Analysis queries"; docs/analysis.md explains the choices).
import type { z } from 'zod';
import type { AnalysisMetric, AnalysisSpec } from '../api/v1alpha1/index.js';

/** A metric the analysis measures: a custom one from spec.metrics or a built-in from a shorthand. */
export type MetricDefinition = z.infer<typeof AnalysisMetric>;

export const BUILTIN_METRICS = {
  errorRate: 'error-rate',
  p95Latency: 'p95-latency',
  costRatio: 'cost-ratio',
} as const;

/**
 * Outcomes counted as failures of the version. `rejected` (429/503 for capacity or draining), `invalid`
 * (the caller's fault) and `canceled` (the caller left) stay in the denominator only.
 */
export const ERROR_OUTCOMES = ['error', 'timeout'] as const;

const SELECTOR = 'namespace="{{namespace}}", agent="{{agent}}", version="{{version}}", track="{{track}}"';

export const BUILTIN_QUERIES = {
  /** Share of finished requests that failed (0..1); NaN (no data) when the track had no requests. */
  errorRate:
    `sum(rate(agent_requests_total{${SELECTOR}, outcome=~"${ERROR_OUTCOMES.join('|')}"}[{{window}}]))` +
    ` / sum(rate(agent_requests_total{${SELECTOR}}[{{window}}]))`,
  /** p95 of successful requests in seconds (fast failures cannot hide slow answers). */
  p95Latency:
    'histogram_quantile(0.95, sum by (le) (rate(agent_request_duration_seconds_bucket' +
    `{${SELECTOR}, outcome="success"}[{{window}}])))`,
  /** Estimated USD per successful request. */
  costPerRequest:
    `sum(rate(agent_cost_usd_total{${SELECTOR}}[{{window}}]))` +
    ` / sum(rate(agent_requests_total{${SELECTOR}, outcome="success"}[{{window}}]))`,
  /** Finished requests (all outcomes) in the window: the sample size compared with minSampleSize. */
  sampleSize: `sum(increase(agent_requests_total{${SELECTOR}}[{{window}}]))`,
} as const;

/** Every metric of a spec: the built-ins its shorthands ask for first, then spec.metrics in order. */
export function metricDefinitions(spec: AnalysisSpec): MetricDefinition[] {
  const out: MetricDefinition[] = [];
  if (spec.maxErrorRate !== undefined) {
    out.push({
      name: BUILTIN_METRICS.errorRate,
      query: BUILTIN_QUERIES.errorRate,
      condition: { max: spec.maxErrorRate },
    });
  }
  if (spec.maxP95LatencySeconds !== undefined) {
    out.push({
      name: BUILTIN_METRICS.p95Latency,
      query: BUILTIN_QUERIES.p95Latency,
      condition: { max: spec.maxP95LatencySeconds },
    });
  }
  if (spec.maxCostPerRequestRatio !== undefined) {
    out.push({
      name: BUILTIN_METRICS.costRatio,
      query: BUILTIN_QUERIES.costPerRequest,
      condition: { relativeToStable: { maxRatio: spec.maxCostPerRequestRatio } },
    });
  }
  const builtins = new Set(out.map((m) => m.name));
  for (const m of spec.metrics ?? []) {
    // A custom metric named like an enabled built-in is left out (analysisProblems reports it).
    if (!builtins.has(m.name)) out.push(m);
  }
  return out;
}

/** Custom metric names that clash with a built-in the spec enables. */
export function builtinNameClashes(spec: AnalysisSpec): string[] {
  const builtins = new Set(metricDefinitions({ ...spec, metrics: [] }).map((m) => m.name));
  return (spec.metrics ?? []).filter((m) => builtins.has(m.name)).map((m) => m.name);
}

// Analysis: how a new version is judged from Prometheus metrics (canary steps and blue-green
// pre-promotion), and the measurement history recorded in status.
import { z } from 'zod';
import { duration, httpURL, parseDuration, SecretKeySelector, timestamp } from './common.js';
import { gateFields, ModelDrift } from './gates.js';
import { mapList, withRules } from './rules.js';

export const METRIC_NAME_PATTERN = /^[a-zA-Z]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;
export const PLACEHOLDERS = ['namespace', 'agent', 'version', 'track', 'window'] as const;

/** The longest query timeout a release may ask for: one query never holds a reconcile longer. */
export const MAX_QUERY_TIMEOUT_MS = 60_000;

export const PrometheusProvider = withRules(
  z.object({
    address: httpURL()
      .optional()
      .describe(
        'Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090. Unset: the ' +
          'operator’s default (--default-prometheus-address). The cluster admin may allow only some ' +
          'addresses (--metrics-address-allowlist); another one is refused, and nothing is sent to it.',
      ),
    timeout: duration().default('10s').describe('Timeout of one query, at most 60s.'),
    authSecretRef: SecretKeySelector.optional().describe(
      'Secret key (in this namespace) holding a bearer token sent with queries, only to an allowed address.',
    ),
  }),
  [
    {
      rule: "duration(self.timeout) <= duration('60s')",
      message: 'timeout must be at most 60s',
      fieldPath: '.timeout',
      check: (v) => {
        try {
          return parseDuration(v.timeout) <= MAX_QUERY_TIMEOUT_MS;
        } catch {
          return true; // the pattern check names the problem
        }
      },
    },
  ],
).describe('A Prometheus server queried through its HTTP API.');

export const AnalysisProvider = z
  .object({ prometheus: PrometheusProvider })
  .describe('Where measurements come from.');

const optionalRatio = (what: string) => z.number().min(0).optional().describe(what);

export const MetricCondition = withRules(
  z.object({
    max: z.number().optional().describe('Pass when the value is <= max.'),
    min: z.number().optional().describe('Pass when the value is >= min.'),
    relativeToStable: withRules(
      z.object({
        maxRatio: optionalRatio('Pass when canary <= stable × maxRatio (e.g. 1.2).'),
        minRatio: optionalRatio('Pass when canary >= stable × minRatio (e.g. 0.8).'),
      }),
      [
        {
          rule: 'has(self.maxRatio) || has(self.minRatio)',
          message: 'relativeToStable needs maxRatio or minRatio',
          check: (v) => v.maxRatio !== undefined || v.minRatio !== undefined,
        },
      ],
    )
      .optional()
      .describe('Compare with the same query evaluated for the stable track.'),
  }),
  [
    {
      rule: 'has(self.max) || has(self.min) || has(self.relativeToStable)',
      message: 'condition needs max, min or relativeToStable',
      check: (v) => v.max !== undefined || v.min !== undefined || v.relativeToStable !== undefined,
    },
    {
      rule: '!has(self.max) || !has(self.min) || self.min <= self.max',
      message: 'min must be <= max',
      fieldPath: '.min',
      check: (v) => v.max === undefined || v.min === undefined || v.min <= v.max,
    },
  ],
).describe('When a measurement passes. All given bounds must hold.');

export const AnalysisMetric = z
  .object({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(METRIC_NAME_PATTERN)
      .describe('Metric name, unique in the analysis.'),
    query: z
      .string()
      .min(1)
      .max(4096)
      .describe(
        'PromQL returning one number. Placeholders {{namespace}} {{agent}} {{version}} {{track}} {{window}} ' +
          'are replaced with escaped label values.',
      ),
    condition: MetricCondition,
  })
  .describe('A custom metric and its pass condition.');

export const AnalysisSpec = withRules(
  z.object({
    provider: AnalysisProvider,
    interval: duration().default('1m').describe('Time between two measurements.'),
    count: z.int().min(1).max(1000).default(3).describe('Measurements per analysis run.'),
    window: duration().default('5m').describe('Range used for {{window}} in queries.'),
    failureLimit: z
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe('Failed measurements tolerated before the run fails.'),
    inconclusiveLimit: z
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe('Inconclusive measurements tolerated before the release pauses for a human.'),
    consecutiveErrorLimit: z
      .int()
      .min(0)
      .max(1000)
      .default(4)
      .describe('Consecutive provider errors tolerated before consecutiveErrorAction.'),
    consecutiveErrorAction: z
      .enum(['Rollback', 'Pause'])
      .default('Rollback')
      .describe('What to do when consecutiveErrorLimit is exceeded. Errors never promote.'),
    minSampleSize: z
      .int()
      .min(0)
      .max(1_000_000_000)
      .default(0)
      .describe(
        'Requests the canary must have served in the window; fewer makes a measurement Inconclusive.',
      ),
    maxErrorRate: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Shorthand: fail when the canary error rate (0–1) exceeds this, e.g. 0.05.'),
    maxP95LatencySeconds: z
      .number()
      .gt(0)
      .optional()
      .describe('Shorthand: fail when the canary p95 latency exceeds this.'),
    maxCostPerRequestRatio: z
      .number()
      .gt(0)
      .optional()
      .describe('Shorthand: fail when canary cost per request exceeds stable × this.'),
    metrics: mapList(AnalysisMetric, 'name', { max: 16 })
      .optional()
      .describe('Custom metrics, unique by name.'),
    ...gateFields,
  }),
  [
    {
      rule:
        'has(self.maxErrorRate) || has(self.maxP95LatencySeconds) || has(self.maxCostPerRequestRatio) || ' +
        'has(self.judge) || has(self.toolErrors) || has(self.stepsPerRequest) || ' +
        '(has(self.metrics) && size(self.metrics) > 0)',
      message:
        'analysis needs maxErrorRate, maxP95LatencySeconds, maxCostPerRequestRatio, judge, toolErrors, ' +
        'stepsPerRequest or metrics',
      check: (v) =>
        v.maxErrorRate !== undefined ||
        v.maxP95LatencySeconds !== undefined ||
        v.maxCostPerRequestRatio !== undefined ||
        v.judge !== undefined ||
        v.toolErrors !== undefined ||
        v.stepsPerRequest !== undefined ||
        (v.metrics?.length ?? 0) > 0,
    },
  ],
).describe('How measurements are taken and judged.');
export type AnalysisSpec = z.infer<typeof AnalysisSpec>;

export const MeasurementResult = z
  .enum(['Pass', 'Fail', 'Inconclusive', 'Error'])
  .describe('Pass, Fail, Inconclusive (no data / too few samples) or Error (provider failed).');
export type MeasurementResult = z.infer<typeof MeasurementResult>;

export const Measurement = z
  .object({
    metric: z
      .string()
      .max(63)
      .describe(
        'Metric name (built-in: error-rate, p95-latency, cost-ratio, judge-score, tool-error-rate, ' +
          'steps-per-request; evaluation for an evaluation step).',
      ),
    result: MeasurementResult,
    value: z.number().optional().describe('Measured value; absent when there was no data or an error.'),
    stableValue: z
      .number()
      .optional()
      .describe(
        'The same query for the stable side (relativeToStable conditions); absent when not measured.',
      ),
    threshold: z.string().max(256).optional().describe('The condition compared against, e.g. "<= 0.05".'),
    sampleSize: z
      .int()
      .min(0)
      .optional()
      .describe('Samples counted in the window (requests; judged answers, tool calls for those gates).'),
    stableSampleSize: z
      .int()
      .min(0)
      .optional()
      .describe('The same count for the stable side (agent gates, which need enough samples on both).'),
    query: z.string().max(4096).optional().describe('The query as sent, placeholders filled in.'),
    message: z.string().max(1024).optional().describe('Error or explanation.'),
    time: timestamp().describe('When the measurement was taken.'),
  })
  .describe('One measurement of one metric.');
export type Measurement = z.infer<typeof Measurement>;

export const AnalysisRunPhase = z
  .enum(['Running', 'Successful', 'Failed', 'Inconclusive', 'Error'])
  .describe('Running, Successful, Failed, Inconclusive or Error.');
export type AnalysisRunPhase = z.infer<typeof AnalysisRunPhase>;

export const AnalysisRunStatus = z
  .object({
    stepIndex: z
      .int()
      .min(-1)
      .describe('Step that started the run; -1 for blue-green pre-promotion analysis.'),
    version: z.string().max(253).optional().describe('AgentVersion analysed.'),
    phase: AnalysisRunPhase,
    startedAt: timestamp().describe('When the run started.'),
    finishedAt: timestamp().optional().describe('When the run reached a final phase.'),
    successful: z.int().min(0).default(0).describe('Pass measurements so far.'),
    failed: z.int().min(0).default(0).describe('Fail measurements so far.'),
    inconclusive: z.int().min(0).default(0).describe('Inconclusive measurements so far.'),
    errors: z.int().min(0).default(0).describe('Error measurements so far.'),
    consecutiveErrors: z.int().min(0).default(0).describe('Error measurements in a row.'),
    measurements: z.array(Measurement).max(100).default([]).describe('Measurements, oldest first (bounded).'),
    message: z.string().max(1024).optional().describe('Why the run ended this way.'),
    modelDrift: ModelDrift.optional().describe('Set when a tick saw the canary served another model.'),
  })
  .describe('One analysis run and its measurements.');
export type AnalysisRunStatus = z.infer<typeof AnalysisRunStatus>;

export const AnalysisRuns = z
  .array(AnalysisRunStatus)
  .max(20)
  .describe('Analysis runs of the current release, oldest first (bounded history).');

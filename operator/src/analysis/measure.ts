// One analysis tick: every configured metric (built-ins + custom) measured against the provider.
import type { AnalysisSpec, Measurement, ModelDrift } from '../api/v1alpha1/index.js';
import { BUILTIN_QUERIES, builtinNameClashes, type MetricDefinition, metricDefinitions } from './builtin.js';
import { evaluate, type QueryOutcome } from './evaluate.js';
import { evaluateGate, type GateDefinition, gateDefinitions } from './gates.js';
import { findDrift, SERVED_MODELS_QUERY } from './model-identity.js';
import { errorMessage, type MetricProvider } from './provider.js';
import { renderQuery, TemplateError } from './template.js';

/** One side of the comparison: the version and the `track` label value its pods report. */
export interface AnalysisTarget {
  version: string;
  track: string;
}

/**
 * What is analysed. Canary: canary = {new version, "canary"}, stable = {running version, "stable"}.
 * Blue-green pre-promotion: canary = the preview color's {version, track}, stable = the active color's.
 */
export interface AnalysisSubject {
  namespace: string;
  agent: string;
  canary: AnalysisTarget;
  stable: AnalysisTarget;
}

export interface MeasureOptions {
  /** Cancels the tick's queries (they then come back as Error measurements). */
  signal?: AbortSignal;
}

function varsFor(subject: AnalysisSubject, side: AnalysisTarget, window: string) {
  return { namespace: subject.namespace, agent: subject.agent, ...side, window };
}

async function runQuery(
  provider: MetricProvider,
  template: string,
  vars: ReturnType<typeof varsFor>,
  opts: MeasureOptions,
): Promise<QueryOutcome> {
  let query: string;
  try {
    query = renderQuery(template, vars);
  } catch (err) {
    const message = err instanceof TemplateError ? `invalid query: ${err.message}` : errorMessage(err);
    return { kind: 'error', message };
  }
  try {
    const value = await provider.query(query, opts.signal ? { signal: opts.signal } : {});
    return value === undefined ? { kind: 'no-data', query } : { kind: 'value', value, query };
  } catch (err) {
    return { kind: 'error', message: errorMessage(err), query };
  }
}

/**
 * Measures every metric once. Returns one Measurement per metric (built-ins first, then spec.metrics),
 * all stamped with `now`. Never throws: a provider or template failure becomes an Error measurement.
 * The tick's result is combineResults() of them (Fail > Error > Inconclusive > Pass).
 */
export async function takeMeasurement(
  spec: AnalysisSpec,
  subject: AnalysisSubject,
  provider: MetricProvider,
  now: Date,
  opts: MeasureOptions = {},
): Promise<Measurement[]> {
  const canaryVars = varsFor(subject, subject.canary, spec.window);
  const stableVars = varsFor(subject, subject.stable, spec.window);
  const gates = gateDefinitions(spec);
  const gateNames = new Set(gates.map((g) => g.name));
  // A custom metric named like an enabled gate is left out (analysisProblems reports it).
  const metrics = metricDefinitions(spec).filter((m) => !gateNames.has(m.name));
  const sampleSize = runQuery(provider, BUILTIN_QUERIES.sampleSize, canaryVars, opts);
  const stableLabel = `stable (version ${subject.stable.version}, track ${subject.stable.track})`;
  const measureOne = async (metric: MetricDefinition): Promise<Measurement> => {
    const relative = metric.condition.relativeToStable !== undefined;
    const [canary, stable, samples] = await Promise.all([
      runQuery(provider, metric.query, canaryVars, opts),
      relative ? runQuery(provider, metric.query, stableVars, opts) : undefined,
      sampleSize,
    ]);
    return evaluate(
      metric,
      {
        canary,
        ...(stable ? { stable } : {}),
        sampleSize: samples,
        minSampleSize: spec.minSampleSize,
        stableLabel,
      },
      now,
    );
  };
  const measureGate = async (gate: GateDefinition): Promise<Measurement> => {
    const [canary, stable, canarySamples, stableSamples] = await Promise.all([
      runQuery(provider, gate.query, canaryVars, opts),
      runQuery(provider, gate.query, stableVars, opts),
      runQuery(provider, gate.samplesQuery, canaryVars, opts),
      runQuery(provider, gate.samplesQuery, stableVars, opts),
    ]);
    return evaluateGate(gate, { canary, stable, canarySamples, stableSamples, stableLabel }, now);
  };
  return Promise.all([...metrics.map(measureOne), ...gates.map(measureGate)]);
}

/**
 * The models the provider served to the canary in the window, against `askedModel`: the drift, or
 * undefined when there is none or it cannot be told (no data, a provider error, a provider without
 * labelled answers; the tick's measurements report provider errors).
 */
export async function checkModelIdentity(
  spec: AnalysisSpec,
  subject: AnalysisSubject,
  askedModel: string,
  provider: MetricProvider,
  now: Date,
  opts: MeasureOptions = {},
): Promise<ModelDrift | undefined> {
  if (!provider.queryVector) return undefined;
  try {
    const query = renderQuery(SERVED_MODELS_QUERY, varsFor(subject, subject.canary, spec.window));
    const series = await provider.queryVector(query, opts.signal ? { signal: opts.signal } : {});
    return findDrift(askedModel, series, now);
  } catch {
    return undefined;
  }
}

/**
 * Problems that make a spec unusable, for a status condition before any query runs: unknown placeholders,
 * placeholders that cannot be escaped where they stand, a bad window, names clashing with a built-in.
 */
export function analysisProblems(spec: AnalysisSpec): string[] {
  const gates = new Set(gateDefinitions(spec).map((g) => g.name));
  const clashes = [
    ...builtinNameClashes(spec),
    ...(spec.metrics ?? []).map((m) => m.name).filter((n) => gates.has(n)),
  ];
  const problems = clashes.map(
    (name) => `metrics: name "${name}" is used by a built-in metric of this analysis`,
  );
  const sample = { namespace: 'ns', agent: 'agent', version: '1.0.0', track: 'canary', window: spec.window };
  for (const metric of metricDefinitions(spec)) {
    try {
      renderQuery(metric.query, sample);
    } catch (err) {
      problems.push(`metrics[${metric.name}].query: ${errorMessage(err)}`);
    }
  }
  return problems;
}

// Pure judgement of one metric from the values a tick measured, and the rule that combines the results
// of all metrics of a tick into one.
import type { z } from 'zod';
import type { Measurement, MeasurementResult, MetricCondition } from '../api/v1alpha1/index.js';
import { formatTime } from '../kube/conditions.js';
import type { MetricDefinition } from './builtin.js';

type Condition = z.infer<typeof MetricCondition>;

/** What one query gave: a value, no data (empty/NaN/±Inf), or an error. */
export type QueryOutcome =
  | { kind: 'value'; value: number; query: string }
  | { kind: 'no-data'; query: string }
  | { kind: 'error'; message: string; query?: string };

export interface MetricValues {
  /** The metric's query for the canary (or preview) side. */
  canary: QueryOutcome;
  /** The same query for the stable side; needed when the condition has relativeToStable. */
  stable?: QueryOutcome;
  /** The tick's sample-size query (canary requests in the window). */
  sampleSize?: QueryOutcome;
  /** spec.minSampleSize; 0 or absent disables the gate. */
  minSampleSize?: number;
  /** How the stable side is named in messages, e.g. "stable 1.0.0". */
  stableLabel?: string;
}

/** Severity of a tick's results, worst first: a Fail is never hidden by an Error or no data. */
export const RESULT_SEVERITY: readonly MeasurementResult[] = ['Fail', 'Error', 'Inconclusive', 'Pass'];

/** The result of a tick: the worst result of its metrics (Fail > Error > Inconclusive > Pass). */
export function combineResults(results: readonly MeasurementResult[]): MeasurementResult {
  for (const r of RESULT_SEVERITY) if (results.includes(r)) return r;
  return 'Inconclusive'; // no metric at all is never a Pass
}

/** Short number for messages: 0.30000000000000004 → "0.3". */
export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The condition as text, e.g. "<= 0.05" or "<= stable × 1.2 (0.012)". */
export function describeCondition(condition: Condition, stable?: number): string {
  const parts: string[] = [];
  if (condition.max !== undefined) parts.push(`<= ${formatNumber(condition.max)}`);
  if (condition.min !== undefined) parts.push(`>= ${formatNumber(condition.min)}`);
  const rel = condition.relativeToStable;
  const bound = (ratio: number) =>
    `stable × ${formatNumber(ratio)}${stable !== undefined ? ` (${formatNumber(stable * ratio)})` : ''}`;
  if (rel?.maxRatio !== undefined) parts.push(`<= ${bound(rel.maxRatio)}`);
  if (rel?.minRatio !== undefined) parts.push(`>= ${bound(rel.minRatio)}`);
  return parts.join(' and ');
}

/** Absolute bounds the value breaks, as text ("0.3 > 0.05"). */
function absoluteViolations(condition: Condition, value: number): string[] {
  const out: string[] = [];
  if (condition.max !== undefined && value > condition.max) {
    out.push(`${formatNumber(value)} > ${formatNumber(condition.max)}`);
  }
  if (condition.min !== undefined && value < condition.min) {
    out.push(`${formatNumber(value)} < ${formatNumber(condition.min)}`);
  }
  return out;
}

function relativeViolations(condition: Condition, value: number, stable: number): string[] {
  const rel = condition.relativeToStable;
  const out: string[] = [];
  if (rel?.maxRatio !== undefined && value > stable * rel.maxRatio) {
    out.push(`${formatNumber(value)} > stable ${formatNumber(stable)} × ${formatNumber(rel.maxRatio)}`);
  }
  if (rel?.minRatio !== undefined && value < stable * rel.minRatio) {
    out.push(`${formatNumber(value)} < stable ${formatNumber(stable)} × ${formatNumber(rel.minRatio)}`);
  }
  return out;
}

function sampleCount(outcome: QueryOutcome | undefined): number | undefined {
  if (!outcome || outcome.kind === 'error') return undefined;
  return outcome.kind === 'value' ? Math.max(0, Math.round(outcome.value)) : 0;
}

/**
 * Judges one metric. Order: canary query error → Error; sample-size gate (unknown → Error, too few →
 * Inconclusive); canary no data → Inconclusive; absolute bound broken → Fail; then, for relativeToStable,
 * stable error → Error, stable no data → Inconclusive, relative bound broken → Fail; otherwise Pass.
 */
export function evaluate(metric: MetricDefinition, values: MetricValues, now: Date): Measurement {
  const { canary, stable } = values;
  const measuredStable = stable?.kind === 'value' ? stable.value : undefined;
  const sampleSize = sampleCount(values.sampleSize);
  const minSamples = values.minSampleSize ?? 0;
  const measure = (
    result: MeasurementResult,
    message: string | undefined,
    value?: number,
    stableValue?: number,
  ) => {
    const m: Measurement = {
      metric: metric.name,
      result,
      threshold: clip(describeCondition(metric.condition, stableValue), 256),
      time: formatTime(now.getTime()),
    };
    if (value !== undefined) m.value = value;
    if (measuredStable !== undefined) m.stableValue = measuredStable;
    if (sampleSize !== undefined) m.sampleSize = sampleSize;
    if (canary.query !== undefined) m.query = clip(canary.query, 4096);
    if (message !== undefined) m.message = clip(message, 1024);
    return m;
  };

  if (canary.kind === 'error') return measure('Error', `query failed: ${canary.message}`);
  const value = canary.kind === 'value' ? canary.value : undefined;
  if (minSamples > 0) {
    if (values.sampleSize?.kind === 'error') {
      return measure('Error', `sample size query failed: ${values.sampleSize.message}`, value);
    }
    if (sampleSize === undefined || sampleSize < minSamples) {
      return measure(
        'Inconclusive',
        `${sampleSize ?? 0} requests in the window < minSampleSize ${minSamples}`,
        value,
      );
    }
  }
  if (value === undefined) {
    return measure('Inconclusive', 'no data: the query returned nothing or NaN (no traffic in the window?)');
  }
  const broken = absoluteViolations(metric.condition, value);
  if (broken.length > 0) return measure('Fail', broken.join('; '), value);
  if (metric.condition.relativeToStable === undefined) return measure('Pass', undefined, value);

  const stableName = values.stableLabel ?? 'stable';
  if (!stable || stable.kind === 'error') {
    const why = stable?.kind === 'error' ? stable.message : 'not measured';
    return measure('Error', `${stableName} query failed: ${why}`, value);
  }
  if (stable.kind === 'no-data') {
    return measure('Inconclusive', `no data for ${stableName} to compare with`, value);
  }
  const relBroken = relativeViolations(metric.condition, value, stable.value);
  if (relBroken.length > 0) return measure('Fail', relBroken.join('; '), value, stable.value);
  return measure('Pass', `${stableName} = ${formatNumber(stable.value)}`, value, stable.value);
}

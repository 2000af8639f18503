import { describe, expect, it } from 'vitest';
import type { MeasurementResult } from '../api/v1alpha1/index.js';
import type { MetricDefinition } from './builtin.js';
import { combineResults, describeCondition, evaluate, type QueryOutcome } from './evaluate.js';

const now = new Date('2026-01-01T00:00:00.000Z');
const q = 'sum(x{track="canary"})';
const v = (value: number): QueryOutcome => ({ kind: 'value', value, query: q });
const none: QueryOutcome = { kind: 'no-data', query: q };
const fail = (message: string): QueryOutcome => ({ kind: 'error', message, query: q });

const maxMetric: MetricDefinition = { name: 'error-rate', query: 'x', condition: { max: 0.05 } };
const rangeMetric: MetricDefinition = { name: 'success', query: 'x', condition: { min: 0.9, max: 1 } };
const relMetric: MetricDefinition = {
  name: 'cost-ratio',
  query: 'x',
  condition: { relativeToStable: { maxRatio: 1.2 } },
};
const mixedMetric: MetricDefinition = {
  name: 'mixed',
  query: 'x',
  condition: { max: 10, relativeToStable: { maxRatio: 1.2, minRatio: 0.5 } },
};

describe('evaluate', () => {
  it.each<[string, MetricDefinition, Parameters<typeof evaluate>[1], MeasurementResult, RegExp | undefined]>([
    ['value under max', maxMetric, { canary: v(0.01) }, 'Pass', undefined],
    ['value equal to max', maxMetric, { canary: v(0.05) }, 'Pass', undefined],
    ['value over max', maxMetric, { canary: v(0.3) }, 'Fail', /0\.3 > 0\.05/],
    ['value under min', rangeMetric, { canary: v(0.8) }, 'Fail', /0\.8 < 0\.9/],
    ['no data', maxMetric, { canary: none }, 'Inconclusive', /no data/],
    [
      'a query error',
      maxMetric,
      { canary: fail('connection refused') },
      'Error',
      /query failed: connection refused/,
    ],
    [
      'too few samples, even with a failing value',
      maxMetric,
      { canary: v(1), sampleSize: v(3.4), minSampleSize: 50 },
      'Inconclusive',
      /3 requests in the window < minSampleSize 50/,
    ],
    [
      'no sample data with a minimum',
      maxMetric,
      { canary: v(0), sampleSize: none, minSampleSize: 1 },
      'Inconclusive',
      /0 requests/,
    ],
    [
      'a failed sample-size query with a minimum',
      maxMetric,
      { canary: v(0), sampleSize: fail('boom'), minSampleSize: 10 },
      'Error',
      /sample size query failed: boom/,
    ],
    [
      'enough samples',
      maxMetric,
      { canary: v(0), sampleSize: v(120), minSampleSize: 100 },
      'Pass',
      undefined,
    ],
    [
      'a failed sample-size query without a minimum',
      maxMetric,
      { canary: v(0), sampleSize: fail('x') },
      'Pass',
      undefined,
    ],
    [
      'relative: under stable × ratio',
      relMetric,
      { canary: v(0.011), stable: v(0.01) },
      'Pass',
      /stable = 0\.01/,
    ],
    [
      'relative: over stable × ratio',
      relMetric,
      { canary: v(0.02), stable: v(0.01) },
      'Fail',
      /0\.02 > stable 0\.01 × 1\.2/,
    ],
    [
      'relative: stable has no data',
      relMetric,
      { canary: v(0.02), stable: none },
      'Inconclusive',
      /no data for stable/,
    ],
    [
      'relative: stable query failed',
      relMetric,
      { canary: v(0.02), stable: fail('down') },
      'Error',
      /stable query failed: down/,
    ],
    ['relative: stable not measured', relMetric, { canary: v(0.02) }, 'Error', /not measured/],
    ['relative: under minRatio', mixedMetric, { canary: v(1), stable: v(4) }, 'Fail', /1 < stable 4 × 0\.5/],
    [
      'absolute Fail is not hidden by a stable error',
      mixedMetric,
      { canary: v(11), stable: fail('down') },
      'Fail',
      /11 > 10/,
    ],
  ])('%s', (_what, metric, values, result, message) => {
    const m = evaluate(metric, values, now);
    expect(m.result).toBe(result);
    expect(m.metric).toBe(metric.name);
    expect(m.time).toBe('2026-01-01T00:00:00Z');
    if (message) expect(m.message).toMatch(message);
  });

  it('records value, threshold, sample size and the query as sent', () => {
    const m = evaluate(maxMetric, { canary: v(0.3), sampleSize: v(99.6), minSampleSize: 10 }, now);
    expect(m).toEqual({
      metric: 'error-rate',
      result: 'Fail',
      value: 0.3,
      threshold: '<= 0.05',
      sampleSize: 100,
      query: q,
      message: '0.3 > 0.05',
      time: '2026-01-01T00:00:00Z',
    });
  });

  it('shows the computed bound of a relative condition in the threshold', () => {
    const m = evaluate(relMetric, { canary: v(0.02), stable: v(0.01) }, now);
    expect(m.threshold).toBe('<= stable × 1.2 (0.012)');
    expect(m.value).toBe(0.02);
  });

  it('records the stable value beside the canary value when the stable side was measured', () => {
    expect(evaluate(relMetric, { canary: v(0.011), stable: v(0.01) }, now).stableValue).toBe(0.01);
    expect(evaluate(relMetric, { canary: v(0.02), stable: v(0.01) }, now).stableValue).toBe(0.01);
    expect(evaluate(relMetric, { canary: v(0.02), stable: none }, now).stableValue).toBeUndefined();
    expect(evaluate(maxMetric, { canary: v(0.3) }, now).stableValue).toBeUndefined();
  });

  it('clips a very long query to the status limit', () => {
    const long = 'x'.repeat(5000);
    const m = evaluate(maxMetric, { canary: { kind: 'value', value: 0, query: long } }, now);
    expect(m.query?.length).toBe(4096);
  });
});

describe('combineResults', () => {
  it.each<[MeasurementResult[], MeasurementResult]>([
    [['Pass', 'Pass'], 'Pass'],
    [['Pass', 'Inconclusive'], 'Inconclusive'],
    [['Inconclusive', 'Error'], 'Error'],
    [['Error', 'Fail', 'Pass'], 'Fail'],
    [['Fail', 'Inconclusive'], 'Fail'],
    [[], 'Inconclusive'],
  ])('%j → %s', (results, expected) => {
    expect(combineResults(results)).toBe(expected);
  });
});

describe('describeCondition', () => {
  it('joins every bound with "and"', () => {
    expect(describeCondition({ min: 0.9, max: 1, relativeToStable: { minRatio: 0.8 } })).toBe(
      '<= 1 and >= 0.9 and >= stable × 0.8',
    );
  });
});

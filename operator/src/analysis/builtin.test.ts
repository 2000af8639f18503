import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnalysisSpec } from '../api/v1alpha1/index.js';
import { BUILTIN_QUERIES, metricDefinitions } from './builtin.js';

const doc = (name: string) =>
  readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8').replace(/\s+/g, ' ');
const flat = (q: string) => q.replace(/\s+/g, ' ');
const spec = (extra: Record<string, unknown>) =>
  AnalysisSpec.parse({ provider: { prometheus: { address: 'http://prom:9090' } }, ...extra });

describe('built-in queries', () => {
  it.each(['errorRate', 'p95Latency', 'costPerRequest'] as const)(
    'the %s query is the one docs/metrics.md documents for agent-runtime',
    (key) => {
      expect(doc('metrics.md')).toContain(flat(BUILTIN_QUERIES[key]));
    },
  );

  it.each(Object.keys(BUILTIN_QUERIES) as Array<keyof typeof BUILTIN_QUERIES>)(
    'the %s query is listed in docs/analysis.md',
    (key) => {
      expect(doc('analysis.md')).toContain(flat(BUILTIN_QUERIES[key]));
    },
  );

  it('counts error and timeout as errors, not rejected/invalid/canceled', () => {
    expect(BUILTIN_QUERIES.errorRate).toContain('outcome=~"error|timeout"');
    expect(BUILTIN_QUERIES.errorRate).not.toMatch(/rejected|invalid|canceled/);
  });
});

describe('metricDefinitions', () => {
  it('turns each shorthand into its built-in, then appends custom metrics', () => {
    const defs = metricDefinitions(
      spec({
        maxErrorRate: 0.05,
        maxP95LatencySeconds: 2.5,
        maxCostPerRequestRatio: 1.2,
        metrics: [{ name: 'x', query: 'vector(1)', condition: { min: 1 } }],
      }),
    );
    expect(defs.map((d) => [d.name, d.condition])).toEqual([
      ['error-rate', { max: 0.05 }],
      ['p95-latency', { max: 2.5 }],
      ['cost-ratio', { relativeToStable: { maxRatio: 1.2 } }],
      ['x', { min: 1 }],
    ]);
  });

  it('leaves out a custom metric named like an enabled built-in, but allows the name otherwise', () => {
    const custom = { name: 'error-rate', query: 'vector(0)', condition: { max: 1 } };
    expect(metricDefinitions(spec({ maxErrorRate: 0.1, metrics: [custom] }))).toHaveLength(1);
    expect(metricDefinitions(spec({ maxErrorRate: 0.1, metrics: [custom] }))[0]?.query).toBe(
      BUILTIN_QUERIES.errorRate,
    );
    expect(metricDefinitions(spec({ metrics: [custom] }))).toEqual([custom]);
  });
});

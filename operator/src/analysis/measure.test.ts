import { describe, expect, it } from 'vitest';
import { AnalysisSpec } from '../api/v1alpha1/index.js';
import { BUILTIN_METRICS } from './builtin.js';
import { combineResults } from './evaluate.js';
import { type AnalysisSubject, analysisProblems, takeMeasurement } from './measure.js';
import { type MetricProvider, MetricQueryError } from './provider.js';

const now = new Date('2026-01-01T00:00:00.000Z');
const subject: AnalysisSubject = {
  namespace: 'team-a',
  agent: 'orchestrator',
  canary: { version: '1.1.0', track: 'canary' },
  stable: { version: '1.0.0', track: 'stable' },
};
const spec = (extra: Record<string, unknown>) =>
  AnalysisSpec.parse({ provider: { prometheus: { address: 'http://prom:9090' } }, window: '30s', ...extra });

/** A provider answering by the first rule whose every fragment the query contains; records queries. */
function scripted(rules: Array<[string[], number | undefined | Error]>) {
  const seen: string[] = [];
  const provider: MetricProvider = {
    description: 'scripted',
    async query(promql) {
      seen.push(promql);
      const rule = rules.find(([frags]) => frags.every((f) => promql.includes(f)));
      if (!rule) return undefined;
      if (rule[1] instanceof Error) throw rule[1];
      return rule[1];
    },
  };
  return { provider, seen };
}

const canary = 'track="canary"';
const stable = 'track="stable"';

describe('takeMeasurement', () => {
  it('measures the built-ins for the canary, cost against stable, with samples attached', async () => {
    const { provider, seen } = scripted([
      [['increase(agent_requests_total', canary], 240],
      [['outcome=~"error|timeout"', canary], 0.3],
      [['agent_request_duration_seconds_bucket', canary], 0.4],
      [['agent_cost_usd_total', canary, 'version="1.1.0"'], 0.011],
      [['agent_cost_usd_total', stable, 'version="1.0.0"'], 0.01],
    ]);
    const s = spec({
      maxErrorRate: 0.05,
      maxP95LatencySeconds: 2,
      maxCostPerRequestRatio: 1.2,
      minSampleSize: 100,
    });
    const ms = await takeMeasurement(s, subject, provider, now);
    expect(ms.map((m) => [m.metric, m.result, m.value])).toEqual([
      [BUILTIN_METRICS.errorRate, 'Fail', 0.3],
      [BUILTIN_METRICS.p95Latency, 'Pass', 0.4],
      [BUILTIN_METRICS.costRatio, 'Pass', 0.011],
    ]);
    expect(ms.every((m) => m.sampleSize === 240 && m.time === '2026-01-01T00:00:00Z')).toBe(true);
    expect(ms[0]?.query).toContain(
      'namespace="team-a", agent="orchestrator", version="1.1.0", track="canary"',
    );
    expect(ms[0]?.query).toContain('[30s]');
    expect(combineResults(ms.map((m) => m.result))).toBe('Fail');
    // the sample-size query runs once per tick, not once per metric
    expect(seen.filter((q) => q.includes('increase(')).length).toBe(1);
  });

  it('evaluates a custom relative metric for the stable version and track', async () => {
    const { provider, seen } = scripted([
      [['increase(', canary], 50],
      [['my_metric', canary], 5],
      [['my_metric', stable, 'version="1.0.0"'], 2],
    ]);
    const s = spec({
      metrics: [
        {
          name: 'mine',
          query: 'max(my_metric{version="{{version}}", track="{{track}}"})',
          condition: { relativeToStable: { maxRatio: 2 } },
        },
      ],
    });
    const [m] = await takeMeasurement(s, subject, provider, now);
    expect(m).toMatchObject({ metric: 'mine', result: 'Fail', value: 5, threshold: '<= stable × 2 (4)' });
    expect(m?.message).toMatch(/5 > stable 2 × 2/);
    expect(seen).toContain('max(my_metric{version="1.0.0", track="stable"})');
  });

  it('turns a provider failure into Error measurements, never a throw', async () => {
    const { provider } = scripted([[[''], new MetricQueryError('unreachable', 'prometheus unreachable')]]);
    const ms = await takeMeasurement(spec({ maxErrorRate: 0.05, minSampleSize: 10 }), subject, provider, now);
    expect(ms).toHaveLength(1);
    expect(ms[0]).toMatchObject({ result: 'Error', message: 'query failed: prometheus unreachable' });
  });

  it('makes an invalid custom query an Error measurement naming the problem', async () => {
    const { provider } = scripted([]);
    const s = spec({ metrics: [{ name: 'bad', query: 'x{pod="{{pod}}"}', condition: { max: 1 } }] });
    const [m] = await takeMeasurement(s, subject, provider, now);
    expect(m).toMatchObject({ metric: 'bad', result: 'Error' });
    expect(m?.message).toMatch(/invalid query: unknown placeholder \{\{pod\}\}/);
  });

  it('reports no traffic as Inconclusive', async () => {
    const { provider } = scripted([]);
    const [m] = await takeMeasurement(spec({ maxErrorRate: 0.05 }), subject, provider, now);
    expect(m).toMatchObject({ result: 'Inconclusive', sampleSize: 0 });
  });
});

describe('analysisProblems', () => {
  it('is empty for a valid spec', () => {
    expect(analysisProblems(spec({ maxErrorRate: 0.05, maxCostPerRequestRatio: 1.5 }))).toEqual([]);
  });

  it('names clashes with built-ins and bad custom queries', () => {
    const s = spec({
      maxErrorRate: 0.05,
      metrics: [
        { name: 'error-rate', query: 'x', condition: { max: 1 } },
        { name: 'raw', query: 'x{version={{version}}}', condition: { max: 1 } },
      ],
    });
    expect(analysisProblems(s)).toEqual([
      'metrics: name "error-rate" is used by a built-in metric of this analysis',
      'metrics[raw].query: {{version}} must be inside a quoted label value, e.g. version="{{version}}"',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { type CanaryRelease, parseCanaryRelease } from '../../api/v1alpha1/index.js';
import { bounds, metricCharts } from './metric-charts.js';

function release(
  measurements: Record<string, unknown>[][],
  analysis: Record<string, unknown>,
): CanaryRelease {
  return parseCanaryRelease({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name: 'orch', namespace: 'ns' },
    spec: {
      targetRef: { army: 'support', agent: 'orch' },
      steps: [{ setWeight: 10 }, { analysis: {} }],
      analysis: { provider: { prometheus: { address: 'http://p:9090' } }, ...analysis },
    },
    status: {
      phase: 'Progressing',
      analysisRuns: measurements.map((ms, i) => ({
        stepIndex: 1,
        phase: 'Running',
        startedAt: `2026-01-01T00:0${i}:00Z`,
        measurements: ms,
      })),
    },
  });
}

const m = (metric: string, time: string, result: string, extra: Record<string, unknown> = {}) => ({
  metric,
  time,
  result,
  ...extra,
});

describe('metricCharts', () => {
  it('gives every measurement of every run one point, in time order, with its result', () => {
    const r = release(
      [
        [
          m('error-rate', '2026-01-01T00:00:10Z', 'Pass', { value: 0.01, threshold: '<= 0.05' }),
          m('error-rate', '2026-01-01T00:00:20Z', 'Inconclusive', { message: 'no data' }),
        ],
        [m('error-rate', '2026-01-01T00:01:10Z', 'Error', { message: 'query failed: down' })],
      ],
      { maxErrorRate: 0.05 },
    );
    const [chart] = metricCharts(r);
    expect(chart?.metric).toBe('error-rate');
    expect(chart?.condition).toBe('<= 0.05');
    expect(chart?.points.map((p) => [p.canary, p.upper, p.result])).toEqual([
      [0.01, 0.05, 'Pass'],
      [null, 0.05, 'Inconclusive'],
      [null, 0.05, 'Error'],
    ]);
    expect(chart?.counts).toEqual({ Pass: 1, Fail: 0, Inconclusive: 1, Error: 1 });
  });

  it('draws a relative bound from the stable value measured with each point', () => {
    const r = release(
      [[m('cost-ratio', '2026-01-01T00:00:10Z', 'Fail', { value: 0.003, stableValue: 0.002 })]],
      { maxCostPerRequestRatio: 1.2 },
    );
    const point = metricCharts(r)[0]?.points[0];
    expect(point?.stable).toBe(0.002);
    expect(point?.upper).toBeCloseTo(0.0024);
    expect(point?.lower).toBeNull();
  });

  it('keeps a metric the spec no longer measures, with the threshold its measurements recorded', () => {
    const r = release([[m('old', '2026-01-01T00:00:10Z', 'Pass', { value: 1, threshold: '>= 0.5' })]], {
      maxErrorRate: 0.05,
    });
    expect(metricCharts(r).map((c) => [c.metric, c.condition, c.points.length])).toEqual([
      ['error-rate', '<= 0.05', 0],
      ['old', '>= 0.5', 1],
    ]);
  });
});

describe('bounds', () => {
  it('takes the tightest of the absolute and the relative bound, and none without a stable value', () => {
    const c = { max: 1, min: 0.1, relativeToStable: { maxRatio: 2, minRatio: 0.5 } };
    expect(bounds(c, 0.4)).toEqual({ upper: 0.8, lower: 0.2 });
    expect(bounds(c, null)).toEqual({ upper: 1, lower: 0.1 });
    expect(bounds(undefined, 1)).toEqual({ upper: null, lower: null });
  });
});

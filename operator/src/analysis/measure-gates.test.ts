import { describe, expect, it } from 'vitest';
import { AnalysisSpec } from '../api/v1alpha1/index.js';
import { type AnalysisSubject, analysisProblems, checkModelIdentity, takeMeasurement } from './measure.js';
import type { MetricProvider, SeriesValue } from './provider.js';

const now = new Date('2026-01-01T00:00:00.000Z');
const subject: AnalysisSubject = {
  namespace: 'team-a',
  agent: 'orchestrator',
  canary: { version: '1.1.0', track: 'canary' },
  stable: { version: '1.0.0', track: 'stable' },
};
const spec = (extra: Record<string, unknown>) =>
  AnalysisSpec.parse({ provider: { prometheus: { address: 'http://prom:9090' } }, window: '30s', ...extra });

/** Answers by the first rule whose every fragment the query contains. */
function scripted(rules: Array<[string[], number]>, vector?: SeriesValue[] | Error): MetricProvider {
  return {
    description: 'scripted',
    async query(promql) {
      return rules.find(([frags]) => frags.every((f) => promql.includes(f)))?.[1];
    },
    ...(vector !== undefined
      ? {
          async queryVector() {
            if (vector instanceof Error) throw vector;
            return vector;
          },
        }
      : {}),
  };
}
const C = 'track="canary"';
const S = 'track="stable"';

describe('takeMeasurement with agent gates', () => {
  it('measures each gate on both tracks with both sample counts, after the metrics', async () => {
    const provider = scripted([
      [['increase(agent_eval_score_count', C], 40],
      [['increase(agent_eval_score_count', S], 200],
      [['agent_eval_score_sum', C], 0.42],
      [['agent_eval_score_sum', S], 0.88],
      [['increase(agent_tool_calls_total', C], 80],
      [['increase(agent_tool_calls_total', S], 400],
      [['agent_tool_calls_total', 'circuit_open', C], 0.01],
      [['agent_tool_calls_total', 'circuit_open', S], 0.01],
      [['increase(agent_steps_per_request_count', C], 40],
      [['increase(agent_steps_per_request_count', S], 200],
      [['agent_steps_per_request_sum', C], 2],
      [['agent_steps_per_request_sum', S], 2],
      [['increase(agent_requests_total', C], 40],
      [['outcome=~"error|timeout"', C], 0],
    ]);
    const s = spec({ maxErrorRate: 0.05, judge: {}, toolErrors: {}, stepsPerRequest: {} });
    const ms = await takeMeasurement(s, subject, provider, now);
    expect(
      ms.map((m) => [m.metric, m.result, m.value, m.stableValue, m.sampleSize, m.stableSampleSize]),
    ).toEqual([
      ['error-rate', 'Pass', 0, undefined, 40, undefined],
      ['judge-score', 'Fail', 0.42, 0.88, 40, 200],
      ['tool-error-rate', 'Pass', 0.01, 0.01, 80, 400],
      ['steps-per-request', 'Pass', 2, 2, 40, 200],
    ]);
    expect(ms[1]?.query).toContain('version="1.1.0", track="canary"');
  });

  it('leaves out a custom metric named like an enabled gate, and analysisProblems names it', async () => {
    const s = spec({
      judge: {},
      metrics: [{ name: 'judge-score', query: 'vector(1)', condition: { min: 0 } }],
    });
    const ms = await takeMeasurement(s, subject, scripted([]), now);
    expect(ms.map((m) => [m.metric, m.result])).toEqual([['judge-score', 'Inconclusive']]);
    expect(analysisProblems(s)).toEqual([
      'metrics: name "judge-score" is used by a built-in metric of this analysis',
    ]);
  });
});

describe('checkModelIdentity', () => {
  const s = spec({ maxErrorRate: 0.05 });
  const served = (model: string, value: number) => ({ labels: { served_model: model }, value });

  it('finds the other model the provider served the canary, naming both', async () => {
    const provider = scripted([], [served('agent-model-2025-01-01', 3), served('other-model', 12)]);
    expect(await checkModelIdentity(s, subject, 'agent-model', provider, now)).toEqual({
      askedModel: 'agent-model',
      servedModel: 'other-model',
      servedCalls: 12,
      detectedAt: '2026-01-01T00:00:00Z',
    });
  });

  it.each([
    ['every call served by the asked model', [served('agent-model', 9)]],
    ['a provider without labelled answers', undefined],
    ['a failing query', new Error('down')],
  ] as const)('records no drift for %s', async (_what, vector) => {
    const provider = scripted([], vector as SeriesValue[] | Error | undefined);
    expect(await checkModelIdentity(s, subject, 'agent-model', provider, now)).toBeUndefined();
  });
});

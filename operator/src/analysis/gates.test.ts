import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnalysisSpec } from '../api/v1alpha1/index.js';
import type { QueryOutcome } from './evaluate.js';
import { describeBound, evaluateGate, GATE_QUERIES, type GateDefinition, gateDefinitions } from './gates.js';
import { describeMeasurements, startRun } from './run.js';

const doc = readFileSync(new URL('../../../docs/analysis.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
const spec = (extra: Record<string, unknown>) =>
  AnalysisSpec.parse({ provider: { prometheus: { address: 'http://prom:9090' } }, ...extra });
const NOW = new Date('2026-12-01T10:00:00Z');
const v = (value: number): QueryOutcome => ({ kind: 'value', value, query: 'q' });
const none: QueryOutcome = { kind: 'no-data', query: 'q' };
const err: QueryOutcome = { kind: 'error', message: 'prometheus down' };

const [judge, tools, steps] = gateDefinitions(spec({ judge: {}, toolErrors: {}, stepsPerRequest: {} })) as [
  GateDefinition,
  GateDefinition,
  GateDefinition,
];

describe('gate definitions', () => {
  it('takes the documented defaults from `{}`', () => {
    expect([judge, tools, steps].map((g) => [g.name, g.minSamples, g.bound])).toEqual([
      ['judge-score', 20, { kind: 'min', ratio: 0.9 }],
      ['tool-error-rate', 20, { kind: 'max', ratio: 1.5, increase: 0.02 }],
      ['steps-per-request', 20, { kind: 'max', ratio: 1.5, increase: 0 }],
    ]);
  });

  it('a spec with only an agent gate is valid; one with none is refused naming the gates', () => {
    expect(spec({ judge: { minSamples: 5 } }).judge?.minSamples).toBe(5);
    const bad = AnalysisSpec.safeParse({ provider: { prometheus: { address: 'http://prom:9090' } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.message).toMatch(/judge, toolErrors, stepsPerRequest or metrics/);
  });

  it.each(Object.keys(GATE_QUERIES) as Array<keyof typeof GATE_QUERIES>)(
    'the %s query is listed in docs/analysis.md',
    (key) => expect(doc).toContain(GATE_QUERIES[key].replace(/\s+/g, ' ')),
  );

  it('counts error, timeout, circuit_open and invalid tool calls as failures, never stubbed ones', () => {
    expect(GATE_QUERIES.toolErrorRate).toContain('outcome=~"error|timeout|circuit_open|invalid"');
    expect(GATE_QUERIES.toolCalls).toContain('outcome!="stubbed"');
  });

  it.each([
    [judge, 0.8, '>= stable × 0.9 (0.72)'],
    [tools, 0.01, '<= max(stable × 1.5, stable + 0.02) (0.03)'],
    [tools, 0.1, '<= max(stable × 1.5, stable + 0.02) (0.15)'],
    [steps, 2, '<= stable × 1.5 (3)'],
  ])('describes the bound of %o against stable %s as %s', (gate, stable, text) => {
    expect(describeBound(gate.bound, stable)).toBe(text);
  });
});

describe('evaluateGate', () => {
  const values = (c: QueryOutcome, s: QueryOutcome, cn: QueryOutcome = v(40), sn: QueryOutcome = v(120)) => ({
    canary: c,
    stable: s,
    canarySamples: cn,
    stableSamples: sn,
    stableLabel: 'stable (version 1.0.0, track stable)',
  });

  it.each([
    ['judge: canary scores 0.42 vs stable 0.88', judge, values(v(0.42), v(0.88)), 'Fail'],
    ['judge: canary 0.85 vs stable 0.88 (within 10%)', judge, values(v(0.85), v(0.88)), 'Pass'],
    ['judge: canary 19 judged answers', judge, values(v(0.9), v(0.9), v(19)), 'Inconclusive'],
    ['judge: stable 3 judged answers', judge, values(v(0.9), v(0.9), v(40), v(3)), 'Inconclusive'],
    ['judge: no judge series at all', judge, values(none, none, none, none), 'Inconclusive'],
    ['judge: canary has samples but no score', judge, values(none, v(0.9)), 'Inconclusive'],
    ['judge: a failed sample query', judge, values(v(0.1), v(0.9), err), 'Error'],
    ['judge: a failed stable query', judge, values(v(0.1), err), 'Error'],
    ['tools: canary fails 20% vs stable 1%', tools, values(v(0.2), v(0.01)), 'Fail'],
    ['tools: canary 2% vs stable 0% (within the slack)', tools, values(v(0.02), v(0)), 'Pass'],
    ['tools: canary 3% vs stable 0%', tools, values(v(0.03), v(0)), 'Fail'],
    ['tools: canary 14% vs stable 10% (within the ratio)', tools, values(v(0.14), v(0.1)), 'Pass'],
    ['steps: canary 3.2 vs stable 2', steps, values(v(3.2), v(2)), 'Fail'],
    ['steps: canary 2.9 vs stable 2', steps, values(v(2.9), v(2)), 'Pass'],
  ] as const)('%s → %s', (_name, gate, vals, result) => {
    expect(evaluateGate(gate, vals, NOW).result).toBe(result);
  });

  it('puts both tracks and both sample counts into a failed measurement', () => {
    const m = evaluateGate(judge, values(v(0.42), v(0.88)), NOW);
    expect(m).toMatchObject({
      metric: 'judge-score',
      value: 0.42,
      stableValue: 0.88,
      sampleSize: 40,
      stableSampleSize: 120,
      threshold: '>= stable × 0.9 (0.792)',
    });
    expect(m.message).toBe(
      'canary 0.42 vs stable 0.88: < limit 0.792; judged answers: canary 40, stable 120',
    );
  });

  it('names the short side and the minimum when there are too few samples', () => {
    const m = evaluateGate(judge, values(v(0.9), v(0.9), v(7)), NOW);
    expect(m.message).toBe('too few judged answers: canary 7, stable 120 in the window (minimum 20 each)');
  });

  it('the failure description (Event, status message) carries canary vs stable and the samples', () => {
    const m = evaluateGate(judge, values(v(0.42), v(0.88)), NOW);
    const run = { ...startRun({ stepIndex: 1, now: NOW }), failed: 1, measurements: [m] };
    expect(describeMeasurements(run, 'Fail')).toBe(
      'judge-score=0.42 (threshold >= stable × 0.9 (0.792)): canary 0.42 vs stable 0.88: < limit 0.792; ' +
        'judged answers: canary 40, stable 120 [0 passed, 1 failed, 0 inconclusive, 0 errors]',
    );
  });
});

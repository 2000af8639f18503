import { describe, expect, it } from 'vitest';
import {
  type EvaluationResult as RuntimeReport,
  SAMPLE_ID,
} from '../../../agent-runtime/src/evaluate-core.js';
import { SAMPLE_ID_PATTERN } from '../api/v1alpha1/index.js';
import { judgeEvaluation, parseReport } from './evaluation.js';

const NOW = new Date('2026-12-03T08:00:00Z');
const STEP = { minScoreRatio: 0.9, minSamples: 10 };
const good: RuntimeReport = {
  v: 1,
  canary: { mean: 0.4, judged: 20, errors: 0 },
  stable: { mean: 0.9, judged: 18, errors: 2 },
  worst: ['q3', 'q7', 'q1'],
};

describe('parseReport: the termination message of the evaluation pod', () => {
  it('reads the report agent-runtime writes (the contract between the two)', () => {
    expect(parseReport(JSON.stringify(good))).toEqual({ ok: true, report: good });
    expect(SAMPLE_ID.source).toBe(SAMPLE_ID_PATTERN.source);
  });

  it.each([
    ['no message', undefined, 'no termination message'],
    ['an empty message', '  ', 'no termination message'],
    ['text from a crash (FallbackToLogsOnError)', 'Error: boom\n    at main (evaluate.js:1)', 'not JSON'],
    ['more than 4 KiB', JSON.stringify({ ...good, pad: 'x'.repeat(5000) }), 'exceeds 4096 bytes'],
    [
      'a mean above 1',
      JSON.stringify({ ...good, canary: { mean: 7, judged: 20, errors: 0 } }),
      'not an evaluation report',
    ],
    [
      'a negative count',
      JSON.stringify({ ...good, stable: { mean: 0.9, judged: -1, errors: 0 } }),
      'not an evaluation report',
    ],
    [
      'a hostile sample id',
      JSON.stringify({ ...good, worst: ['q1\nRolledBack: fake'] }),
      'not an evaluation report',
    ],
    ['four worst ids', JSON.stringify({ ...good, worst: ['a', 'b', 'c', 'd'] }), 'not an evaluation report'],
    ['an unknown field', JSON.stringify({ ...good, answers: ['leaked text'] }), 'not an evaluation report'],
    ['another version', JSON.stringify({ ...good, v: 2 }), 'not an evaluation report'],
    ['a JSON array', '[1,2]', 'not an evaluation report'],
  ])('refuses %s', (_what, message, error) => {
    const parsed = parseReport(message);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toContain(error);
  });
});

describe('judgeEvaluation: canary mean ≥ stable mean × minScoreRatio, with enough samples on both tracks', () => {
  const report = (
    canary: number | undefined,
    stable: number | undefined,
    judged: [number, number] = [20, 20],
  ) =>
    parseReport(
      JSON.stringify({
        v: 1,
        canary: { ...(canary !== undefined ? { mean: canary } : {}), judged: judged[0], errors: 0 },
        stable: { ...(stable !== undefined ? { mean: stable } : {}), judged: judged[1], errors: 0 },
        worst: [],
      }),
    );

  it.each([
    ['canary equal to stable', report(0.9, 0.9), 'Pass'],
    ['canary exactly at the limit', report(0.81, 0.9), 'Pass'],
    ['canary below the limit', report(0.8, 0.9), 'Fail'],
    ['canary far below', report(0.4, 0.9), 'Fail'],
    ['a failing canary with too few canary samples', report(0.1, 0.9, [9, 20]), 'Inconclusive'],
    ['a passing canary with too few stable samples', report(0.9, 0.9, [20, 9]), 'Inconclusive'],
    ['nothing judged', report(undefined, undefined, [0, 0]), 'Inconclusive'],
    ['an error report', parseReport('{"v":1,"error":"dataset line 3: not JSON"}'), 'Error'],
    ['no report', parseReport(undefined), 'Error'],
  ] as const)('%s → %s', (_what, parsed, result) => {
    expect(judgeEvaluation(parsed, STEP, NOW).result).toBe(result);
  });

  it('records both means, both counts and the worst ids, for the Event and status', () => {
    const m = judgeEvaluation({ ok: true, report: good }, STEP, NOW);
    expect(m).toMatchObject({
      metric: 'evaluation',
      result: 'Fail',
      value: 0.4,
      stableValue: 0.9,
      sampleSize: 20,
      stableSampleSize: 18,
      threshold: '>= stable × 0.9 (0.81)',
      time: '2026-12-03T08:00:00Z',
    });
    expect(m.message).toBe(
      'canary 0.4 vs stable 0.9: < limit 0.81; judged answers: canary 20, stable 18; errors: canary 0, stable 2; worst canary samples: q3, q7, q1',
    );
  });

  it('cleans control characters out of an error report before it reaches an Event', () => {
    const m = judgeEvaluation(parseReport('{"v":1,"error":"bad\\u0000line\\nbreak"}'), STEP, NOW);
    expect(m.message).toBe('evaluate: bad line break');
  });
});

import { describe, expect, it } from 'vitest';
import { ANALYSIS, iso, measurement, type run } from '../fixtures.test-util.js';
import { agent, blue, ctl, decide, green, previewing, run1, summary } from './fixtures.test-util.js';

describe('decideBlueGreen: pre-promotion analysis', () => {
  const withAnalysis = (extra: Record<string, unknown> = {}) =>
    agent('v2', { prePromotionAnalysis: { ...ANALYSIS, ...extra } });
  const ready = { deployments: { blue, green: green() } };

  it('starts a run (stepIndex -1) once the preview is Ready and measures one interval later', () => {
    const p = decide({ agent: withAnalysis(), previous: previewing(), ...ready }, 0);
    expect(p.status.analysisRuns).toEqual([{ ...run1('Running', []), startedAt: iso(0) }]);
    expect(p.measurement !== undefined).toBe(false);
    const later = decide({ agent: withAnalysis(), previous: p.status, ...ready }, 10);
    expect(later.measurement !== undefined).toBe(true);
    expect(later.measurement).toMatchObject({ stepIndex: -1, version: 'v2', baselineVersion: 'v1' });
  });

  it.each<
    [
      string,
      Parameters<typeof run>[0],
      Parameters<typeof run>[1],
      Record<string, unknown>,
      ReturnType<typeof summary>,
    ]
  >([
    [
      'Successful switches',
      'Successful',
      [measurement('Pass', 0.01, 10)],
      {},
      { phase: 'Ready', active: 'green', preview: 'green', blue: 3, green: 3, events: ['Switched'] },
    ],
    [
      'Failed rolls back before the switch',
      'Failed',
      [measurement('Fail', 0.4, 10)],
      {},
      {
        phase: 'Degraded',
        active: 'blue',
        preview: 'blue',
        blue: 3,
        green: 0,
        events: ['AnalysisFailed', 'RolledBack'],
      },
    ],
    [
      'Inconclusive waits for a human',
      'Inconclusive',
      [measurement('Inconclusive', undefined, 10)],
      {},
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        blue: 3,
        green: 3,
        events: ['AnalysisInconclusive'],
      },
    ],
    [
      'Error rolls back by default',
      'Error',
      [measurement('Error', undefined, 10)],
      {},
      {
        phase: 'Degraded',
        active: 'blue',
        preview: 'blue',
        blue: 3,
        green: 0,
        events: ['AnalysisError', 'RolledBack'],
      },
    ],
    [
      'Error with consecutiveErrorAction Pause waits',
      'Error',
      [measurement('Error', undefined, 10)],
      { consecutiveErrorAction: 'Pause' },
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        blue: 3,
        green: 3,
        events: ['AnalysisError'],
      },
    ],
    [
      'Successful without a passing measurement never switches',
      'Successful',
      [],
      {},
      { phase: 'Progressing', active: 'blue', preview: 'green', blue: 3, green: 3, events: [] },
    ],
  ])('%s', (_what, phase, ms, extra, want) => {
    const previous = previewing({ analysisRuns: [run1('Running', [])] });
    const p = decide({ agent: withAnalysis(extra), previous, ...ready, analysis: run1(phase, ms) }, 10);
    expect(summary(p)).toEqual(want);
  });

  it('the Failed rollback event carries the measured value and threshold', () => {
    const previous = previewing({ analysisRuns: [run1('Running', [])] });
    const p = decide(
      { agent: withAnalysis(), previous, ...ready, analysis: run1('Failed', [measurement('Fail', 0.4, 10)]) },
      10,
    );
    expect(p.events.find((e) => e.reason === 'RolledBack')?.message).toContain(
      'error-rate=0.4 (threshold <= 0.05)',
    );
    expect(p.problem?.message).toContain('error-rate=0.4');
  });

  it('promote overrides an Inconclusive analysis', () => {
    const previous = previewing({
      analysisRuns: [run1('Inconclusive', [measurement('Inconclusive', undefined, 10)])],
    });
    const p = decide({ agent: withAnalysis(), previous, ...ready, ...ctl('promote') }, 20);
    expect(summary(p).active).toBe('green');
  });
});

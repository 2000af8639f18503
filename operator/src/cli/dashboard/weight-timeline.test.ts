import { describe, expect, it } from 'vitest';
import { type CanaryRelease, parseCanaryRelease } from '../../api/v1alpha1/index.js';
import { stepWeights, weightTimeline } from './weight-timeline.js';

const steps = [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }, { analysis: {} }, { setWeight: 100 }];

function release(status: Record<string, unknown>): CanaryRelease {
  return parseCanaryRelease({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name: 'orch', namespace: 'ns' },
    spec: {
      targetRef: { army: 'support', agent: 'orch' },
      steps,
      analysis: { provider: { prometheus: { address: 'http://p:9090' } }, maxErrorRate: 0.05 },
    },
    status,
  });
}

const run = (stepIndex: number, startedAt: string) => ({ stepIndex, phase: 'Successful', startedAt });

describe('stepWeights', () => {
  it('carries the last setWeight forward, 0 before the first one', () => {
    expect(stepWeights([{ pause: {} }, ...steps])).toEqual([0, 10, 10, 50, 50, 100]);
  });
});

describe('weightTimeline', () => {
  const now = new Date('2026-01-01T00:10:00Z');

  it('derives the weights of a running release from its start and its analysis runs, up to now', () => {
    const r = release({
      phase: 'Progressing',
      startedAt: '2026-01-01T00:00:00Z',
      currentStepIndex: 3,
      stepStartedAt: '2026-01-01T00:05:00Z',
      canaryWeight: 50,
      analysisRuns: [run(1, '2026-01-01T00:01:00Z'), run(3, '2026-01-01T00:05:00Z')],
    });
    expect(weightTimeline(r, [], now)).toEqual([
      { time: '2026-01-01T00:00:00Z', weight: 10 },
      { time: '2026-01-01T00:05:00Z', weight: 50 },
      { time: '2026-01-01T00:10:00.000Z', weight: 50 },
    ]);
  });

  it('merges what the dashboard saw, keeps the earliest of equal weights and drops an older release', () => {
    const r = release({
      phase: 'Progressing',
      startedAt: '2026-01-01T00:00:00Z',
      currentStepIndex: 1,
      stepStartedAt: '2026-01-01T00:01:00Z',
      canaryWeight: 10,
    });
    const observed = [
      { time: '2025-12-31T23:00:00Z', weight: 100 },
      { time: '2026-01-01T00:02:00Z', weight: 10 },
    ];
    expect(weightTimeline(r, observed, now).map((p) => p.weight)).toEqual([10, 10]);
    expect(weightTimeline(r, observed, now)[0]?.time).toBe('2026-01-01T00:00:00Z');
  });

  it('ends a rolled-back release at its final weight, with no point at now', () => {
    const r = release({
      phase: 'RolledBack',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:02:00Z',
      currentStepIndex: 1,
      canaryWeight: 0,
      analysisRuns: [run(1, '2026-01-01T00:01:00Z')],
    });
    expect(weightTimeline(r, [], now)).toEqual([
      { time: '2026-01-01T00:00:00Z', weight: 10 },
      { time: '2026-01-01T00:02:00Z', weight: 0 },
    ]);
  });

  it('is empty for a release that never started', () => {
    expect(weightTimeline(release({ phase: 'Idle' }), [], now)).toEqual([]);
  });
});

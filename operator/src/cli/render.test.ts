import { describe, expect, it } from 'vitest';
import { CanaryRelease } from '../api/v1alpha1/index.js';
import { renderCanaryStatus, table } from './render.js';

const crel = CanaryRelease.parse({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'CanaryRelease',
  metadata: { name: 'orch', namespace: 'team' },
  spec: {
    targetRef: { army: 'support', agent: 'orchestrator' },
    steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }],
    analysis: { provider: { prometheus: { address: 'http://prom:9090' } }, maxErrorRate: 0.05 },
  },
  status: {
    phase: 'RolledBack',
    currentStepIndex: 1,
    canaryWeight: 0,
    fromVersion: 'orch-v1',
    toVersion: 'orch-v11',
    message: 'analysis failed: error-rate = 0.3 (<= 0.05)',
    analysisRuns: [
      {
        stepIndex: 1,
        phase: 'Failed',
        startedAt: '2026-11-23T10:00:00Z',
        measurements: [
          {
            metric: 'error-rate',
            result: 'Fail',
            value: 0.30123,
            threshold: '<= 0.05',
            sampleSize: 412,
            time: '2026-11-23T10:00:10Z',
          },
        ],
      },
    ],
    lastControl: { id: 'r1', action: 'retry', outcome: 'Applied', handledAt: '2026-11-23T10:01:00Z' },
  },
});

describe('renderCanaryStatus', () => {
  const text = renderCanaryStatus(crel);
  it('shows phase, step of total, weight and versions in one row', () => {
    expect(text.split('\n')[1]).toMatch(
      /^orch\s+support\s+orchestrator\s+RolledBack\s+2\/3\s+0%\s+orch-v1\s+orch-v11$/,
    );
  });
  it('explains the decision with the measured value, threshold and sample size', () => {
    expect(text).toContain('message: analysis failed: error-rate = 0.3 (<= 0.05)');
    expect(text).toMatch(/error-rate\s+0\.301\s+<= 0\.05\s+412\s+Fail/);
  });
  it('shows the last manual request and its outcome', () => {
    expect(text).toContain('last request: retry (r1) Applied');
  });
});

describe('table', () => {
  it('pads columns to the widest cell', () => {
    expect(
      table([
        ['A', 'BB'],
        ['CCC', 'D'],
      ]),
    ).toBe('A     BB\nCCC   D');
  });
});

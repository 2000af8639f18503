import { describe, expect, it } from 'vitest';
import { parseAgentArmy, parseCanaryRelease } from '../../api/v1alpha1/index.js';
import { overviewModel } from './overview-model.js';
import { actionAvailable, releaseModel } from './release-model.js';

const crel = (status: Record<string, unknown>, name = 'orch') =>
  parseCanaryRelease({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name, namespace: 'shop' },
    spec: {
      targetRef: { army: 'support', agent: 'orch' },
      steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { setWeight: 100 }],
    },
    status,
  });

const army = parseAgentArmy({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: { name: 'support', namespace: 'shop' },
  spec: {
    agents: [
      {
        name: 'orch',
        version: 'orch-v11',
        strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orch' } } },
      },
      { name: 'rag', version: 'rag-v1' },
    ],
  },
  status: {
    phase: 'Progressing',
    ready: '1/2',
    agents: [{ name: 'orch', phase: 'Progressing', stableVersion: 'orch-v1', readyReplicas: 3, replicas: 4 }],
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Progressing',
        message: 'orch rolling',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  },
});

const paused = {
  phase: 'Paused',
  pauseReason: 'Step',
  pausedAt: '2026-01-01T00:01:00Z',
  currentStepIndex: 1,
  canaryWeight: 10,
  fromVersion: 'orch-v1',
  toVersion: 'orch-v11',
  startedAt: '2026-01-01T00:00:00Z',
};

describe('overviewModel', () => {
  it('lists armies with every agent (status or not) and releases with step, weight and links, sorted', () => {
    const m = overviewModel({
      armies: [army],
      releases: [crel(paused, 'zeta'), crel({ phase: 'Idle' }, 'alpha')],
      invalid: [],
      problems: [],
      scope: 'shop',
    });
    expect(m.armies[0]?.agents).toEqual([
      expect.objectContaining({
        name: 'orch',
        phase: 'Progressing',
        ready: '3/4',
        releaseHref: '/releases/shop/orch',
      }),
      expect.objectContaining({
        name: 'rag',
        phase: 'Pending',
        desiredVersion: 'rag-v1',
        releaseHref: undefined,
      }),
    ]);
    expect(m.armies[0]?.conditions[0]).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'Progressing',
      message: 'orch rolling',
    });
    expect(m.releases.map((r) => [r.name, r.phase, r.step, r.weight, r.diffHref])).toEqual([
      ['alpha', 'Idle', '-', 0, undefined],
      ['zeta', 'Paused', '2/4', 10, '/diff/shop/orch-v1/orch-v11'],
    ]);
    expect(m.releases[1]?.stepLabel).toBe('pause until promoted');
  });
});

describe('releaseModel', () => {
  const now = new Date('2026-01-01T00:02:00Z');

  it('highlights the current step, offers the buttons the operator would act on, and shows a pending request', () => {
    const m = releaseModel({
      release: crel({
        ...paused,
        control: { id: 'r2', action: 'promote' },
        lastControl: { id: 'r1', action: 'pause', outcome: 'Applied', handledAt: '2026-01-01T00:00:30Z' },
      }),
      events: [],
      observedWeights: [],
      now,
    });
    expect(m.steps.map((s) => s.state)).toEqual(['done', 'current', 'pending', 'pending']);
    expect(m.actions.filter((a) => a.enabled).map((a) => a.action)).toEqual([
      'promote',
      'promoteFull',
      'abort',
      'resume',
    ]);
    expect(m.summary.pendingControl).toEqual({ id: 'r2', action: 'promote' });
    expect(m.summary.lastControl?.id).toBe('r1');
    expect(m.timeline.map((p) => p.weight)).toEqual([10, 10]);
  });

  it('marks every step done once promoted and offers no button', () => {
    const m = releaseModel({
      release: crel({ ...paused, phase: 'Promoted', currentStepIndex: 4 }),
      events: [],
      observedWeights: [],
      now,
    });
    expect(m.steps.every((s) => s.state === 'done')).toBe(true);
    expect(m.actions.some((a) => a.enabled)).toBe(false);
  });
});

describe('actionAvailable', () => {
  it.each([
    ['Progressing', 'pause', true],
    ['Progressing', 'resume', false],
    ['Paused', 'pause', false],
    ['RolledBack', 'retry', true],
    ['RolledBack', 'abort', false],
  ] as const)('%s: %s → %s', (phase, action, expected) => {
    expect(actionAvailable(crel({ ...paused, phase }), action)).toBe(expected);
  });
});

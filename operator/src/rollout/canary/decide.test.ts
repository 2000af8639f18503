import { describe, expect, it } from 'vitest';
import { CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
import { at, deployment, iso, midRelease, observed, release } from '../fixtures.test-util.js';
import { decideCanary } from './decide.js';
import type { CanaryObserved, CanaryPlan } from './types.js';

type Status = Partial<CanaryReleaseStatus> | undefined;
function decideAt(
  status: Status,
  obs: Partial<CanaryObserved> = {},
  sec = 0,
  spec: Record<string, unknown> = {},
) {
  const plan = decideCanary(observed(release(spec, status), obs), at(sec));
  CanaryReleaseStatus.parse(plan.status); // every status written must be valid for the CRD schema
  return plan;
}
const reasons = (p: CanaryPlan) => p.events.map((e) => e.reason);
const cond = (p: CanaryPlan, type: string) => p.status.conditions?.find((c) => c.type === type);
const canaryAt = (replicas: number, ready = replicas) => ({
  deployment: deployment('v2', replicas, ready),
  crashLooping: false,
});

describe('decideCanary: starting and not starting a release', () => {
  it('starts a release on a version change: stable keeps v1, the first step sends 10% (1 of 10 pods)', () => {
    const p = decideAt(undefined);
    expect(p.status).toMatchObject({
      phase: 'Progressing',
      fromVersion: 'v1',
      toVersion: 'v2',
      currentStepIndex: 0,
    });
    expect(p.status.canaryWeight).toBe(10);
    expect(reasons(p)).toEqual(['ReleaseStarted']);
    expect(p.traffic).toEqual({
      mode: 'replicas',
      stableVersion: 'v1',
      canaryVersion: 'v2',
      weight: 10,
      effectiveWeight: 10,
      replicas: { stable: 9, canary: 1 },
      cohortsToCanary: false,
    });
    expect(cond(p, 'Progressing')).toMatchObject({ status: 'True', reason: 'StepRunning' });
    expect(cond(p, 'CanaryReady')).toMatchObject({ status: 'False', lastTransitionTime: iso(0) });
    expect(p.requeueAfterMs).toBeGreaterThan(0);
  });

  it.each<[string, Status, Partial<CanaryObserved>, string, number]>([
    ['desired equals stable', undefined, { desiredVersion: 'v1' }, 'Idle', 0],
    ['no stable version yet (first rollout)', undefined, { stableVersion: undefined }, 'Idle', 0],
    [
      'the desired version was rolled back',
      { ...midRelease(1), phase: 'RolledBack', rolledBackVersion: 'v2', canaryWeight: 0 },
      {},
      'RolledBack',
      0,
    ],
    [
      'the desired version is the promoted one, even if the observed stable lags',
      { ...midRelease(5), phase: 'Promoted', canaryWeight: 0 },
      { stableVersion: 'v1' },
      'Promoted',
      0,
    ],
  ])('does not start when %s', (_what, status, obs, phase, weight) => {
    const p = decideAt(status, obs);
    expect(p.status.phase).toBe(phase);
    expect(p.status.canaryWeight).toBe(weight);
    expect(p.events).toEqual([]);
    expect(p.traffic.replicas.canary).toBe(0);
    expect(p.requeueAfterMs).toBeUndefined();
  });

  it('deploys the desired version as stable when there is no stable version yet', () => {
    const p = decideAt(undefined, { stableVersion: undefined });
    expect(p.traffic).toMatchObject({ stableVersion: 'v2', weight: 0, replicas: { stable: 10, canary: 0 } });
    expect(p.traffic.canaryVersion).toBeUndefined();
    expect(p.status.message).toMatch(/no stable version yet/);
  });

  it.each<[string, Status, string]>([
    [
      'after a rollback, for a different version',
      { ...midRelease(1), phase: 'RolledBack', rolledBackVersion: 'v2' },
      'v1',
    ],
    ['after a promotion', { ...midRelease(5), phase: 'Promoted', toVersion: 'v2', canaryWeight: 0 }, 'v2'],
  ])('starts a new release %s', (_what, status, from) => {
    const p = decideAt(status, { desiredVersion: 'v3', stableVersion: from });
    expect(p.status).toMatchObject({
      phase: 'Progressing',
      fromVersion: from,
      toVersion: 'v3',
      currentStepIndex: 0,
    });
    expect(p.status.finishedAt).toBeUndefined();
    expect(reasons(p)).toEqual(['ReleaseStarted']);
  });

  it('replaces a running release when the army asks for yet another version, restarting the steps', () => {
    const p = decideAt(midRelease(3, { canaryWeight: 50 }), { desiredVersion: 'v3', canary: canaryAt(5) });
    expect(p.status).toMatchObject({
      fromVersion: 'v1',
      toVersion: 'v3',
      currentStepIndex: 0,
      canaryWeight: 10,
    });
    expect(p.events[0]?.message).toMatch(/replaces the release of v2/);
  });

  it('cancels a running release when the army asks for the stable version again: weight 0, canary 0', () => {
    const p = decideAt(midRelease(3, { canaryWeight: 50 }), { desiredVersion: 'v1', canary: canaryAt(5) });
    expect(p.status.phase).toBe('Idle');
    expect(reasons(p)).toEqual(['ReleaseCancelled']);
    expect(p.traffic).toMatchObject({ stableVersion: 'v1', weight: 0, replicas: { stable: 10, canary: 0 } });
    expect(p.status.rolledBackVersion).toBeUndefined();
  });
});

describe('decideCanary: steps', () => {
  it.each<
    [
      string,
      Status,
      Partial<CanaryObserved>,
      number,
      { step: number; phase: string; weight: number; events: string[] },
    ]
  >([
    [
      'setWeight waits while the canary has no Ready pod',
      midRelease(0),
      { canary: canaryAt(1, 0) },
      5,
      { step: 0, phase: 'Progressing', weight: 10, events: [] },
    ],
    [
      'setWeight waits while the canary runs another replica count',
      midRelease(0),
      { canary: canaryAt(3) },
      5,
      { step: 0, phase: 'Progressing', weight: 10, events: [] },
    ],
    [
      'setWeight completes once the canary is Ready and the analysis starts',
      midRelease(0),
      { canary: canaryAt(1) },
      5,
      { step: 1, phase: 'Progressing', weight: 10, events: ['StepCompleted'] },
    ],
    [
      'setWeight 50 completes on 5 Ready pods and a timed pause starts',
      midRelease(2, { canaryWeight: 50 }),
      { canary: canaryAt(5) },
      5,
      { step: 3, phase: 'Progressing', weight: 50, events: ['StepCompleted'] },
    ],
    [
      'a timed pause waits for its duration',
      midRelease(3, { canaryWeight: 50 }),
      { canary: canaryAt(5) },
      29,
      { step: 3, phase: 'Progressing', weight: 50, events: [] },
    ],
    [
      'a timed pause ends after its duration and the weight moves to 100',
      midRelease(3, { canaryWeight: 50 }),
      { canary: canaryAt(5) },
      30,
      { step: 4, phase: 'Progressing', weight: 100, events: ['StepCompleted'] },
    ],
    [
      'the last step done starts the promotion',
      midRelease(4, { canaryWeight: 100 }),
      { canary: canaryAt(10) },
      1,
      { step: 5, phase: 'Progressing', weight: 100, events: ['StepCompleted', 'Promoting'] },
    ],
    [
      'the promotion waits for the stable track to run the new version',
      midRelease(5, { canaryWeight: 100 }),
      { canary: canaryAt(10), stable: { deployment: deployment('v2', 10, 4) } },
      1,
      { step: 5, phase: 'Progressing', weight: 100, events: [] },
    ],
    [
      'the promotion ends once stable runs v2 on every pod',
      midRelease(5, { canaryWeight: 100 }),
      { canary: canaryAt(10), stable: { deployment: deployment('v2', 10) } },
      1,
      { step: 5, phase: 'Promoted', weight: 0, events: ['Promoted'] },
    ],
  ])('%s', (_what, status, obs, sec, want) => {
    const p = decideAt(status, obs, sec);
    expect({
      step: p.status.currentStepIndex,
      phase: p.status.phase,
      weight: p.status.canaryWeight,
      events: reasons(p),
    }).toEqual(want);
  });

  it('moves the stable track to the new version at full size during the promotion, keeping the canary', () => {
    const p = decideAt(midRelease(5, { canaryWeight: 100 }), { canary: canaryAt(10) });
    expect(p.traffic).toMatchObject({
      stableVersion: 'v2',
      canaryVersion: 'v2',
      replicas: { stable: 10, canary: 10 },
    });
    expect(cond(p, 'Progressing')?.reason).toBe('Promoting');
  });

  it('after the promotion: stable runs v2, canary scaled to zero, weight 0, Ready', () => {
    const p = decideAt(
      midRelease(5, { canaryWeight: 100 }),
      { canary: canaryAt(10), stable: { deployment: deployment('v2', 10) } },
      7,
    );
    expect(p.traffic).toMatchObject({ stableVersion: 'v2', weight: 0, replicas: { stable: 10, canary: 0 } });
    expect(p.status.finishedAt).toBe(iso(7));
    expect(cond(p, 'Ready')).toMatchObject({ status: 'True', reason: 'Promoted' });
    expect(cond(p, 'CanaryReady')).toBeUndefined();
  });

  it('an untimed pause pauses the release until promoted', () => {
    const p = decideAt(midRelease(0), { canary: canaryAt(1) }, 3, {
      steps: [{ setWeight: 10 }, { pause: {} }],
    });
    expect(p.status).toMatchObject({
      phase: 'Paused',
      pauseReason: 'Step',
      pausedAt: iso(3),
      currentStepIndex: 1,
    });
    expect(reasons(p)).toEqual(['StepCompleted', 'Paused']);
    expect(cond(p, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'Paused' });
  });

  it('asks to be called back when a timed pause ends', () => {
    const p = decideAt(midRelease(3, { canaryWeight: 50 }), { canary: canaryAt(5) }, 12);
    expect(p.requeueAfterMs).toBe(18_000);
    expect(p.status.message).toBe('step 4/5 (pause 30s): pausing until 2026-11-23T10:00:30Z');
  });

  it('writes exact weights and keeps full stable capacity in gatewayAPI mode, cohorts on', () => {
    const spec = {
      trafficRouting: {
        gatewayAPI: { httpRoute: 'public' },
        cohorts: [{ header: 'x-user-id', values: ['u1'] }],
      },
    };
    const p = decideAt(midRelease(0, { canaryWeight: 10 }), {}, 0, spec);
    expect(p.traffic).toMatchObject({
      mode: 'gatewayAPI',
      weight: 10,
      effectiveWeight: 10,
      replicas: { stable: 10, canary: 1 },
      cohortsToCanary: true,
    });
  });
});

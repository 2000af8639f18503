import { describe, expect, it } from 'vitest';
import { release } from '../fixtures.test-util.js';
import { type ReplayStep, replay, SimCluster } from './sim.test-util.js';

const HEALTHY = [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }, { setWeight: 100 }];
/** Weights written, consecutive duplicates collapsed. */
const weights = (steps: ReplayStep[]) =>
  steps.map((s) => s.plan.traffic.weight).filter((w, i, all) => i === 0 || w !== all[i - 1]);
const allEvents = (steps: ReplayStep[]) => steps.flatMap((s) => s.plan.events);

describe('replaying whole canary releases', () => {
  it('healthy: 10% → analysis passes → 50% → 100% → Promoted, stable on v2 and canary at zero', () => {
    const cluster = new SimCluster();
    const steps = replay(release({ steps: HEALTHY }), { errorRate: 0.01, cluster });
    const last = steps.at(-1)?.plan;
    expect(last?.status.phase).toBe('Promoted');
    expect(weights(steps)).toEqual([10, 50, 100, 0]);
    expect(allEvents(steps).map((e) => e.reason)).toEqual([
      'ReleaseStarted',
      'StepCompleted',
      'StepCompleted',
      'StepCompleted',
      'StepCompleted',
      'Promoting',
      'Promoted',
    ]);
    expect(last?.status.analysisRuns?.[0]).toMatchObject({ phase: 'Successful', successful: 3 });
    expect(cluster.stable).toMatchObject({ version: 'v2', replicas: 10, ready: 10 });
    expect(cluster.canary).toMatchObject({ version: 'v2', replicas: 0 });
    // Three measurements, one interval (10s) apart, after the canary reached 10%.
    const times = last?.status.analysisRuns?.[0]?.measurements.map((m) => m.time.slice(11, 19));
    expect(times).toHaveLength(3);
  });

  it('error rate 30%: the first failed measurement rolls back with weight 0 and no canary pods at once', () => {
    const cluster = new SimCluster();
    const steps = replay(release({ steps: HEALTHY }), { errorRate: 0.3, cluster });
    const i = steps.findIndex((s) => s.plan.status.phase === 'RolledBack');
    const decision = steps[i]?.plan;
    expect(decision?.traffic).toMatchObject({
      stableVersion: 'v1',
      weight: 0,
      replicas: { stable: 10, canary: 0 },
    });
    expect(steps[i - 1]?.plan.traffic.weight).toBe(10); // weight never went above the 10% step
    expect(weights(steps)).toEqual([10, 0]);
    const warn = decision?.events.filter((e) => e.type === 'Warning').map((e) => e.reason);
    expect(warn).toEqual(['AnalysisFailed', 'RolledBack']);
    expect(decision?.events.find((e) => e.reason === 'RolledBack')?.message).toContain(
      'error-rate=0.3 (threshold <= 0.05)',
    );
    expect(steps.at(-1)?.plan.status).toMatchObject({ phase: 'RolledBack', rolledBackVersion: 'v2' });
    expect(cluster.stable).toMatchObject({ version: 'v1', replicas: 10 });
    expect(cluster.canary?.replicas).toBe(0);
  });

  it('a rolled-back version stays rolled back on later reconciles', () => {
    const steps = replay(release({ steps: HEALTHY }), { errorRate: 0.3 });
    const rolled = steps.at(-1)?.plan.status;
    const again = replay(release({ steps: HEALTHY }, rolled), { errorRate: 0.01 });
    expect(again).toHaveLength(1);
    expect(again[0]?.plan.events).toEqual([]);
    expect(again[0]?.plan.status.phase).toBe('RolledBack');
  });

  it.each([
    ['healthy release', 0.01],
    ['failing release', 0.3],
  ])(
    '%s: deciding again on its own status (a restart) never repeats a transition or moves the weight',
    (_what, errorRate) => {
      const steps = replay(release({ steps: HEALTHY }), { errorRate });
      expect(steps.length).toBeGreaterThan(3);
      for (const { plan, again } of steps) {
        expect(again.events).toEqual([]);
        expect(again.status).toEqual(plan.status);
        expect(again.traffic).toEqual(plan.traffic);
      }
    },
  );

  it('written weights only grow until the release ends', () => {
    const steps = replay(
      release({
        steps: [{ setWeight: 5 }, { setWeight: 20 }, { pause: { duration: '10s' } }, { setWeight: 60 }],
      }),
      { errorRate: 0 },
    );
    const w = weights(steps);
    expect(w).toEqual([5, 20, 60, 0]);
  });
});

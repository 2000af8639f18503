import { describe, expect, it } from 'vitest';
import { autoscaledSplit, canaryPods, splitReplicas, trackReplicas } from './replica-math.js';

describe('splitReplicas (replicas traffic mode)', () => {
  it.each([
    // total, weight, stable, canary, effective weight
    [10, 0, 10, 0, 0],
    [10, 10, 9, 1, 10],
    [10, 25, 7, 3, 30],
    [10, 50, 5, 5, 50],
    [10, 99, 1, 10, 90.91],
    [10, 100, 0, 10, 100],
    [4, 1, 3, 1, 25],
    [3, 10, 2, 1, 33.33],
    [3, 50, 1, 2, 66.67],
    [5, 50, 2, 3, 60],
    [7, 33, 4, 3, 42.86],
    [1, 0, 1, 0, 0],
    [1, 1, 1, 1, 50],
    [1, 50, 1, 1, 50],
    [1, 100, 0, 1, 100],
    [2, 90, 1, 2, 66.67],
    [0, 0, 0, 0, 0],
    [0, 50, 0, 0, 0],
    [0, 100, 0, 0, 0],
  ])('total %i at weight %i → stable %i, canary %i, serving %d%%', (total, weight, stable, canary, eff) => {
    expect(splitReplicas(total, weight)).toEqual({ stable, canary, effectiveWeight: eff });
  });

  it('never leaves the stable track without a pod below 100% and never exceeds total canary pods', () => {
    for (let total = 1; total <= 12; total++) {
      for (let weight = 0; weight <= 100; weight++) {
        const s = splitReplicas(total, weight);
        expect(s.canary).toBeLessThanOrEqual(total);
        if (weight > 0) expect(s.canary).toBeGreaterThanOrEqual(1);
        if (weight < 100) expect(s.stable).toBeGreaterThanOrEqual(1);
        expect(s.stable + s.canary).toBeLessThanOrEqual(total + 1);
      }
    }
  });

  it.each([
    [-1, 10, 'replicas: expected an integer >= 0, got -1'],
    [2.5, 10, 'replicas: expected an integer >= 0, got 2.5'],
    [3, 101, 'weight: expected an integer between 0 and 100, got 101'],
    [3, -5, 'weight: expected an integer between 0 and 100, got -5'],
    [3, 12.5, 'weight: expected an integer between 0 and 100, got 12.5'],
  ])('rejects total %s / weight %s naming the field', (total, weight, message) => {
    expect(() => splitReplicas(total, weight)).toThrow(message);
  });
});

describe('trackReplicas', () => {
  it.each([
    // mode, total, weight, minCanary, stable, canary, effective
    ['gatewayAPI', 10, 0, 0, 10, 0, 0],
    ['gatewayAPI', 10, 10, 0, 10, 1, 10],
    ['gatewayAPI', 10, 33, 0, 10, 4, 33],
    ['gatewayAPI', 10, 100, 0, 10, 10, 100],
    ['gatewayAPI', 10, 0, 1, 10, 1, 0],
    ['gatewayAPI', 0, 0, 1, 0, 0, 0],
    ['gatewayAPI', 1, 50, 0, 1, 1, 50],
    ['replicas', 10, 10, 1, 9, 1, 10],
  ] as const)(
    '%s: total %i weight %i minCanary %i → stable %i canary %i (%d%%)',
    (mode, total, weight, min, stable, canary, eff) => {
      expect(trackReplicas(mode, total, weight, min)).toEqual({ stable, canary, effectiveWeight: eff });
    },
  );

  it('canaryPods rounds up and caps at total', () => {
    expect([canaryPods(3, 1), canaryPods(3, 34), canaryPods(3, 67), canaryPods(3, 100)]).toEqual([
      1, 2, 3, 3,
    ]);
  });
});

describe('autoscaledSplit (an HPA sizes the stable track)', () => {
  it.each([
    // mode, stable (HPA count), weight, maxCanary, stable, canary, effective weight
    ['replicas', 2, 0, 10, 2, 0, 0],
    ['replicas', 2, 10, 10, 2, 1, 33.33],
    ['replicas', 9, 10, 10, 9, 1, 10],
    ['replicas', 4, 20, 10, 4, 1, 20],
    ['replicas', 6, 20, 10, 6, 2, 25],
    ['replicas', 5, 50, 10, 5, 5, 50],
    ['replicas', 8, 50, 10, 8, 8, 50],
    ['replicas', 8, 75, 10, 8, 10, 55.56],
    ['replicas', 3, 100, 10, 3, 10, 76.92],
    ['gatewayAPI', 2, 10, 10, 2, 1, 10],
    ['gatewayAPI', 8, 25, 10, 8, 2, 25],
    ['gatewayAPI', 8, 50, 10, 8, 4, 50],
  ] as const)(
    '%s: %i stable at weight %i (max %i) → %i stable, %i canary (%d%%)',
    (mode, stable, weight, max, s, c, eff) => {
      expect(autoscaledSplit(mode, stable, weight, max)).toEqual({
        stable: s,
        canary: c,
        effectiveWeight: eff,
      });
    },
  );

  it('keeps the canary within one pod of its weight of all pods as the HPA moves (replicas mode)', () => {
    for (let stable = 1; stable <= 40; stable++) {
      for (const weight of [1, 5, 10, 20, 25, 33, 50, 60, 75, 90]) {
        const { canary } = autoscaledSplit('replicas', stable, weight, 1000);
        const ideal = ((stable + canary) * weight) / 100;
        expect(Math.abs(canary - ideal)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('gives a header cohort one canary pod at weight 0 (gatewayAPI)', () => {
    expect(autoscaledSplit('gatewayAPI', 5, 0, 10, 1)).toEqual({ stable: 5, canary: 1, effectiveWeight: 0 });
  });
});

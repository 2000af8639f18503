import { describe, expect, it } from 'vitest';
import { canaryPods, splitReplicas, trackReplicas } from './replica-math.js';

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

import { describe, expect, it } from 'vitest';
import { Estimator, humanDuration, schedule, sizeAt } from './plan.js';

const base = { armies: 333, nodes: 25, namespaces: 3 };

describe('sizeAt', () => {
  it('is the issue workload at 1×: 999 agents, 1,998 pods on 25 nodes', () => {
    const s = sizeAt(1, base);
    expect(s).toMatchObject({ agents: 999, pods: 1998, nodes: 25 });
    expect(s.workload.namespaces).toEqual(['bench-armies-1', 'bench-armies-2', 'bench-armies-3']);
  });

  it('triples armies, nodes and namespaces at 3×', () => {
    const s = sizeAt(3, base);
    expect(s).toMatchObject({ agents: 2997, pods: 5994, nodes: 75 });
    expect(s.workload.armies).toBe(999);
    expect(s.workload.namespaces).toHaveLength(9);
  });
});

describe('schedule', () => {
  it('alternates the configurations round by round, scale by scale', () => {
    const order = schedule([1, 3], 2, ['operator', 'peer', 'floor']).map(
      (s) => `${s.config}@${s.scale}#${s.round}`,
    );
    expect(order).toEqual([
      'operator@1#1',
      'peer@1#1',
      'floor@1#1',
      'operator@1#2',
      'peer@1#2',
      'floor@1#2',
      'operator@3#1',
      'peer@3#1',
      'floor@3#1',
      'operator@3#2',
      'peer@3#2',
      'floor@3#2',
    ]);
  });
});

describe('Estimator', () => {
  const sizes = new Map([1, 3].map((s) => [s, sizeAt(s, base)]));
  const slots = schedule([1, 3], 3, ['operator', 'peer', 'floor']);

  it('guesses a full 1× + 3× run at over an hour before any round ran', () => {
    const total = new Estimator(sizes, 60).total(slots);
    expect(total).toBeGreaterThan(3600);
    expect(total).toBeLessThan(3 * 3600);
  });

  it('uses what a configuration took, scaled to the larger size for rounds not yet seen there', () => {
    const e = new Estimator(sizes, 60);
    const op1 = { scale: 1, round: 1, config: 'operator' };
    const op3 = { scale: 3, round: 1, config: 'operator' };
    const guess3 = e.estimate(op3);
    e.record(op1, e.estimate(op1) * 2);
    expect(e.estimate(op1)).toBe(e.estimate({ ...op1, round: 2 }));
    expect(e.estimate(op3)).toBeCloseTo(guess3 * 2, -1);
    e.record(op3, 1000);
    expect(e.estimate({ ...op3, round: 2 })).toBe(1000);
  });
});

describe('humanDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(humanDuration(45)).toBe('45 s');
    expect(humanDuration(600)).toBe('10 min');
    expect(humanDuration(4980)).toBe('1 h 23 min');
  });
});

import { describe, expect, it } from 'vitest';
import { type Condition, isConditionTrue, removeCondition, setCondition } from './conditions.js';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const t1 = Date.parse('2026-01-01T00:05:00Z');
const ready = (
  status: Condition['status'],
  reason = 'AllAvailable',
  message = 'ok',
  observedGeneration = 1,
) => ({
  type: 'Ready',
  status,
  reason,
  message,
  observedGeneration,
});

describe('setCondition', () => {
  it('adds a new condition with the current time', () => {
    expect(setCondition(undefined, ready('True'), t0)).toEqual([
      { ...ready('True'), lastTransitionTime: '2026-01-01T00:00:00Z' },
    ]);
  });

  it.each([
    ['keeps lastTransitionTime when only the reason changes', ready('True', 'Other'), '2026-01-01T00:00:00Z'],
    [
      'keeps lastTransitionTime when only message/generation change',
      ready('True', 'AllAvailable', 'new', 2),
      '2026-01-01T00:00:00Z',
    ],
    ['moves lastTransitionTime when the status flips', ready('False', 'Degraded'), '2026-01-01T00:05:00Z'],
  ])('%s', (_name, next, expectedTime) => {
    const before = setCondition(undefined, ready('True'), t0);
    const after = setCondition(before, next, t1);
    expect(after).toEqual([{ ...next, lastTransitionTime: expectedTime }]);
    expect(before[0]?.status).toBe('True');
  });

  it('replaces in place and keeps the order of other conditions', () => {
    let c = setCondition(undefined, { ...ready('True'), type: 'Available' }, t0);
    c = setCondition(c, ready('False'), t0);
    c = setCondition(c, { ...ready('False'), type: 'Available' }, t1);
    expect(c.map((x) => `${x.type}=${x.status}`)).toEqual(['Available=False', 'Ready=False']);
    expect(isConditionTrue(c, 'Ready')).toBe(false);
    expect(removeCondition(c, 'Ready').map((x) => x.type)).toEqual(['Available']);
  });
});

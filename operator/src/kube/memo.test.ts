import { describe, expect, it } from 'vitest';
import { memoByObject } from './memo.js';

describe('memoByObject', () => {
  it('computes once per object (also an undefined result) and again for a new object', () => {
    let calls = 0;
    const f = memoByObject((o: { v?: number }) => {
      calls++;
      return o.v;
    });
    const a = { v: 1 };
    const empty = {};
    expect([f(a), f(a), f(empty), f(empty)]).toEqual([1, 1, undefined, undefined]);
    expect(calls).toBe(2);
    // An informer update replaces the object: the replacement is computed afresh.
    expect(f({ v: 2 })).toBe(2);
    expect(calls).toBe(3);
  });
});

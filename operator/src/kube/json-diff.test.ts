import { describe, expect, it } from 'vitest';
import { deepEqual, isSubset, mergePatch } from './json-diff.js';

describe('deepEqual', () => {
  it.each([
    ['key order is ignored', { a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true],
    ['undefined keys count as absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['array order matters', { c: [1, 2] }, { c: [2, 1] }, false],
    ['a changed nested value differs', { s: { ready: 1 } }, { s: { ready: 2 } }, false],
    ['an extra key differs', { a: 1 }, { a: 1, b: 2 }, false],
    ['null differs from absent', { a: null }, {}, false],
    ['array vs object differ', [], {}, false],
    ['a key named like an Object member is only a key', { toString: 'x' }, {}, false],
    ['an undefined key against a missing one', { constructor: undefined, a: 1 }, { a: 1 }, true],
  ])('%s', (_name, a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
    expect(deepEqual(b, a)).toBe(expected);
  });
});

describe('isSubset', () => {
  it.each([
    [
      'server defaults are extra fields',
      { spec: { replicas: 2 } },
      { spec: { replicas: 2, paused: false } },
      true,
    ],
    [
      'a hand edit of an owned field is detected',
      { spec: { replicas: 2 } },
      { spec: { replicas: 5 } },
      false,
    ],
    ['a missing field is detected', { data: { a: '1' } }, { data: {} }, false],
    [
      'array elements are compared as subsets',
      { c: [{ name: 'x' }] },
      { c: [{ name: 'x', image: 'i' }] },
      true,
    ],
    [
      'an extra array element is detected',
      { c: [{ name: 'x' }] },
      { c: [{ name: 'x' }, { name: 'y' }] },
      false,
    ],
    ['a removed array element is detected', { env: [{ name: 'A' }] }, { env: [] }, false],
    [
      'zero values the apiserver omits match an absent field',
      { probe: { initialDelaySeconds: 0, readOnly: false, value: '', items: [] } },
      { probe: {} },
      true,
    ],
    [
      'a non-empty value missing from the server is detected',
      { probe: { periodSeconds: 5 } },
      { probe: {} },
      false,
    ],
    ['an int-or-string echoed as a string matches', { port: 8080 }, { port: '8080' }, true],
    ['an int-or-string with another value is detected', { maxSurge: '25%' }, { maxSurge: 1 }, false],
    ['an object replaced by a scalar is detected', { a: { b: 1 } }, { a: 'x' }, false],
    [
      'an empty value under a key named like an Object member matches absence',
      { data: { constructor: '' } },
      { data: {} },
      true,
    ],
    [
      'a value under a key named like an Object member is detected missing',
      { data: { toString: 'x' } },
      { data: {} },
      false,
    ],
  ])('%s', (_name, desired, actual, expected) => {
    expect(isSubset(desired, actual)).toBe(expected);
  });
});

describe('mergePatch', () => {
  it.each([
    ['only changed fields are sent', { a: 1, b: 2 }, { a: 1, b: 3 }, { b: 3 }],
    ['removed fields become null', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    ['nested objects are diffed', { s: { x: 1, y: 2 } }, { s: { x: 1, y: 3 } }, { s: { y: 3 } }],
    ['arrays are replaced whole', { c: [1, 2] }, { c: [1] }, { c: [1] }],
    ['equal objects give an empty patch', { a: { b: 1 } }, { a: { b: 1 } }, {}],
  ])('%s', (_name, from, to, expected) => {
    expect(mergePatch(from, to)).toEqual(expected);
  });
});

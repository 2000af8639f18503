import { describe, expect, it } from 'vitest';
import { holds, needsApply } from './drift.js';

describe('holds (live object contains the desired fields)', () => {
  it.each([
    ['identical scalars', 1, 1, true],
    ['changed scalar', 2, 1, false],
    ['extra live fields from defaulting are ignored', { a: 1, b: 2 }, { a: 1 }, true],
    ['missing desired field', { b: 2 }, { a: 1 }, false],
    ['apiserver omits zero values', {}, { initialDelaySeconds: 0, readOnly: false, value: '' }, true],
    [
      'array element changed',
      { env: [{ name: 'A', value: '1' }] },
      { env: [{ name: 'A', value: '2' }] },
      false,
    ],
    ['array element added by hand', { env: [{ name: 'A' }, { name: 'B' }] }, { env: [{ name: 'A' }] }, false],
    ['array element removed by hand', { env: [] }, { env: [{ name: 'A' }] }, false],
    ['int-or-string echoed as string', { port: '8080' }, { port: 8080 }, true],
    ['object replaced by scalar', { a: 'x' }, { a: { b: 1 } }, false],
    [
      'nested defaulted fields ignored',
      { p: { httpGet: { path: '/x', scheme: 'HTTP' } } },
      { p: { httpGet: { path: '/x' } } },
      true,
    ],
  ])('%s', (_name, live, desired, expected) => {
    expect(holds(live, desired)).toBe(expected);
  });
});

describe('needsApply', () => {
  const desired = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', labels: { a: 'b' } },
    data: { k: 'v' },
  };
  it('applies a child that does not exist', () => {
    expect(needsApply(undefined, desired)).toBe(true);
  });
  it('skips a live child that already holds the desired state (no write at steady state)', () => {
    const live = {
      metadata: { name: 'c', uid: 'u', resourceVersion: '9', labels: { a: 'b', extra: 'x' } },
      data: { k: 'v' },
    };
    expect(needsApply(live, desired)).toBe(false);
  });
  it('re-applies a child whose owned field was edited by hand', () => {
    const live = { metadata: { name: 'c', labels: { a: 'b' } }, data: { k: 'edited' } };
    expect(needsApply(live, desired)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { coreTypes, keyOf, matchesLabels, resourcePath, splitKey } from './resource.js';

describe('resourcePath', () => {
  it.each([
    [coreTypes.configMap, 'ns', undefined, undefined, '/api/v1/namespaces/ns/configmaps'],
    [coreTypes.configMap, undefined, undefined, undefined, '/api/v1/configmaps'],
    [coreTypes.deployment, 'ns', 'web', undefined, '/apis/apps/v1/namespaces/ns/deployments/web'],
    [coreTypes.deployment, 'ns', 'web', 'status', '/apis/apps/v1/namespaces/ns/deployments/web/status'],
    [coreTypes.namespace, 'ignored', 'kube-system', undefined, '/api/v1/namespaces/kube-system'],
  ])('%o in %s named %s (sub %s) → %s', (type, ns, name, sub, expected) => {
    expect(resourcePath(type, ns, name, sub)).toBe(expected);
  });
});

describe('keys', () => {
  it.each([
    [{ metadata: { namespace: 'a', name: 'b' } }, 'a/b', { namespace: 'a', name: 'b' }],
    [{ metadata: { name: 'cluster-thing' } }, 'cluster-thing', { namespace: '', name: 'cluster-thing' }],
  ])('keyOf(%o) is %s and splits back', (obj, key, req) => {
    expect(keyOf(obj)).toBe(key);
    expect(splitKey(key)).toEqual(req);
  });
});

describe('matchesLabels', () => {
  it.each([
    [{ a: '1', b: '2' }, { a: '1' }, true],
    [{ a: '1' }, { a: '2' }, false],
    [undefined, { a: '1' }, false],
    [undefined, {}, true],
  ])('labels %o vs selector %o → %s', (labels, selector, expected) => {
    expect(matchesLabels(labels, selector)).toBe(expected);
  });
});

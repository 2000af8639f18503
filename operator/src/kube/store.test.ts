import { describe, expect, it } from 'vitest';
import type { KubeObject } from './resource.js';
import { byLabel, byOwnerUid, ownerUidIndex, Store } from './store.js';

function obj(ns: string, name: string, labels: Record<string, string> = {}, owner?: string): KubeObject {
  const ownerReferences = owner
    ? [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'p', uid: owner }]
    : undefined;
  return { metadata: { namespace: ns, name, labels, ownerReferences } };
}

const names = (objs: KubeObject[]) => objs.map((o) => o.metadata?.name).sort();

describe('Store', () => {
  it('gets by namespace/name and lists by namespace and labels', () => {
    const s = new Store<KubeObject>();
    s.upsert(obj('a', 'x', { app: 'web' }));
    s.upsert(obj('a', 'y', { app: 'db' }));
    s.upsert(obj('b', 'x', { app: 'web' }));
    expect(s.get('a', 'x')?.metadata?.labels).toEqual({ app: 'web' });
    expect(s.getByKey('b/x')).toBeDefined();
    expect(names(s.list({ namespace: 'a' }))).toEqual(['x', 'y']);
    expect(s.list({ labels: { app: 'web' } })).toHaveLength(2);
    expect(names(s.list({ namespace: 'a', labels: { app: 'web' } }))).toEqual(['x']);
    expect(s.list({ namespace: 'none' })).toEqual([]);
  });

  it('keeps indexes in step with updates and removals', () => {
    const s = new Store<KubeObject>({ [ownerUidIndex]: byOwnerUid, army: byLabel('army') });
    s.upsert(obj('a', 'c1', { army: 'one' }, 'uid-1'));
    s.upsert(obj('a', 'c2', { army: 'one' }, 'uid-1'));
    expect(names(s.byIndex(ownerUidIndex, 'uid-1'))).toEqual(['c1', 'c2']);
    s.upsert(obj('a', 'c2', { army: 'two' }, 'uid-2'));
    expect(names(s.byIndex(ownerUidIndex, 'uid-1'))).toEqual(['c1']);
    expect(names(s.byIndex('army', 'two'))).toEqual(['c2']);
    expect(s.remove('a/c1')?.metadata?.name).toBe('c1');
    expect(s.byIndex(ownerUidIndex, 'uid-1')).toEqual([]);
    expect(s.size).toBe(1);
    expect(s.list({ namespace: 'a' })).toHaveLength(1);
  });

  it('rejects an unknown index name with a clear message', () => {
    expect(() => new Store<KubeObject>().byIndex('nope', 'x')).toThrow('store has no index named "nope"');
  });
});

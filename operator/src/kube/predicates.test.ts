import { describe, expect, it } from 'vitest';
import { specOrMetadataChanged } from './predicates.js';
import type { KubeObject } from './resource.js';

type Obj = {
  metadata: Record<string, unknown> & { labels: Record<string, string> };
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
  data?: Record<string, string>;
};
const pdb: Obj = {
  metadata: { name: 'x', resourceVersion: '1', labels: { a: '1' }, managedFields: [{ manager: 'kcm' }] },
  spec: { minAvailable: 1 },
  status: { currentHealthy: 0 },
};

describe('specOrMetadataChanged', () => {
  it.each<[string, (o: Obj) => void, boolean]>([
    [
      'only status moved (the disruption controller counting pods)',
      (o) => (o.status.currentHealthy = 2),
      false,
    ],
    ['only resourceVersion and managedFields moved', (o) => (o.metadata.managedFields = []), false],
    ['the spec was edited by hand', (o) => (o.spec.minAvailable = 0), true],
    ['a label changed', (o) => (o.metadata.labels.a = '2'), true],
    ['the object is being deleted', (o) => (o.metadata.deletionTimestamp = '2026-11-23T10:00:00Z'), true],
    ['a ConfigMap-style top-level field changed', (o) => (o.data = { k: 'v' }), true],
  ])('%s → %s', (_what, edit, expected) => {
    const next = structuredClone(pdb);
    next.metadata.resourceVersion = '2';
    edit(next);
    expect(specOrMetadataChanged(pdb as KubeObject, next as KubeObject)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { KIND_SOURCES, openAPISchema } from './crds.js';
import { DOCS_BEGIN, DOCS_END, renderFieldReference, updateDocs } from './docs.js';
import type { SchemaNode } from './openapi.js';

function paths(n: SchemaNode, at: string): string[] {
  const node = n.type === 'array' ? (n.items as SchemaNode) : n;
  return Object.entries((node.properties ?? {}) as Record<string, SchemaNode>).flatMap(([k, c]) => {
    const p = `${at}.${k}`;
    return [p, ...paths(c, c.type === 'array' ? `${p}[]` : p)];
  });
}

describe('field reference', () => {
  const doc = renderFieldReference();
  it('documents every spec and status field of every kind', () => {
    for (const src of KIND_SOURCES) {
      const props = openAPISchema(src).properties as Record<string, SchemaNode>;
      for (const part of ['spec', 'status'] as const) {
        for (const p of paths(props[part]!, part)) expect(doc).toContain(`- \`${p}\` (`);
      }
    }
  });
  it('shows defaults and rules', () => {
    expect(doc).toContain('`spec.agents[].autoscaling.minReplicas` (integer): Lower bound');
    expect(doc).toContain('Default: `2`.');
    expect(doc).toContain('rule: setWeight values must be non-decreasing');
  });
  it('replaces only the generated section and is idempotent', () => {
    const once = updateDocs(`# Title\n\nProse.\n\n${DOCS_BEGIN}\nstale\n${DOCS_END}\n\nAfter.\n`);
    expect(once.startsWith('# Title\n\nProse.\n\n')).toBe(true);
    expect(once.endsWith('\n\nAfter.\n')).toBe(true);
    expect(once).not.toContain('stale');
    expect(updateDocs(once)).toBe(once);
  });
});

// The examples/ manifests are valid and the defaults zod applies are exactly those the apiserver applies.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KIND_SOURCES, openAPISchema } from './crds.js';
import type { SchemaNode } from './openapi.js';
import { safeParseResource } from './validate.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const examplesDir = join(repoRoot, 'examples');

function exampleObjects(): Array<{ file: string; obj: Record<string, unknown> }> {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(examplesDir, file), 'utf8')).map((d) => ({
        file,
        obj: d.toJS() as Record<string, unknown>,
      })),
    )
    .filter(({ obj }) => obj.apiVersion === 'agentarmy.dev/v1alpha1');
}

/** Structural defaulting as the apiserver does it: fill missing defaults, then recurse. */
function applyDefaults(schema: SchemaNode, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = schema.items as SchemaNode | undefined;
    return items ? value.map((v) => applyDefaults(items, v)) : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const props = (schema.properties ?? {}) as Record<string, SchemaNode>;
  for (const [name, child] of Object.entries(props)) {
    if (out[name] === undefined && child.default !== undefined) out[name] = structuredClone(child.default);
    if (out[name] !== undefined) out[name] = applyDefaults(child, out[name]);
  }
  return out;
}

const objects = exampleObjects();

describe('examples/', () => {
  it('holds at least one manifest per kind', () => {
    const kinds = new Set(objects.map(({ obj }) => obj.kind));
    expect([...kinds].sort()).toEqual(['AgentArmy', 'AgentVersion', 'CanaryRelease']);
  });

  it.each(objects.map((o) => [`${o.file} ${String(o.obj.kind)}`, o] as const))(
    '%s is valid',
    (_n, { obj }) => {
      const src = KIND_SOURCES.find((s) => s.name === obj.kind);
      expect(src).toBeDefined();
      const r = safeParseResource(src!.resource, src!.name, obj);
      expect(r.ok ? 'ok' : r.error.message).toBe('ok');
    },
  );

  it.each(objects.map((o) => [`${o.file} ${String(o.obj.kind)}`, o] as const))(
    '%s: zod defaults equal the CRD defaults',
    (_n, { obj }) => {
      const src = KIND_SOURCES.find((s) => s.name === obj.kind)!;
      const crdSpec = (openAPISchema(src).properties as Record<string, SchemaNode>).spec!;
      expect(src.spec.parse(obj.spec)).toEqual(applyDefaults(crdSpec, obj.spec));
    },
  );
});

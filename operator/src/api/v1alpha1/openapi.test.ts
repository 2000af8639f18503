// The generated CRD schemas are structural, described, RE2-safe and deterministic, and the rewrite
// refuses what it cannot express.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { intOrString } from './common.js';
import { CRD_HEADER, customResourceDefinition, KIND_SOURCES, openAPISchema, renderCrdFiles } from './crds.js';
import { type SchemaNode, structuralProblems, toStructuralSchema, undescribedFields } from './openapi.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Every node of a schema with its path. */
function* walk(node: SchemaNode, at = ''): Generator<[string, SchemaNode]> {
  yield [at, node];
  for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, SchemaNode>))
    yield* walk(v, `${at}.${k}`);
  if (node.items) yield* walk(node.items as SchemaNode, `${at}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    yield* walk(node.additionalProperties as SchemaNode, `${at}.*`);
  }
}

describe.each(KIND_SOURCES.map((s) => [s.name, s] as const))('%s CRD schema', (_name, src) => {
  const schema = openAPISchema(src);
  const nodes = [...walk(schema)];

  it('is structural', () => expect(structuralProblems(schema)).toEqual([]));
  it('describes every field', () => expect(undescribedFields(schema)).toEqual([]));
  it('has no $ref, and no additionalProperties beside properties', () => {
    expect(JSON.stringify(schema)).not.toContain('$ref');
    expect(nodes.filter(([, n]) => n.properties && n.additionalProperties !== undefined)).toEqual([]);
  });
  it('bounds every array and every string CEL rules look at', () => {
    const unbounded = nodes.filter(
      ([p, n]) => n.type === 'array' && n.maxItems === undefined && !p.includes('status'),
    );
    expect(unbounded.map(([p]) => p)).toEqual([]);
  });
  it('preserves unknown fields nowhere (metadata excepted, which the apiserver handles)', () => {
    expect(JSON.stringify(schema)).not.toContain('x-kubernetes-preserve-unknown-fields');
  });
  it('is namespaced with a status subresource, the agent-army category and a short name', () => {
    const crd = customResourceDefinition(src) as { spec: Record<string, unknown> };
    expect(crd.spec.scope).toBe('Namespaced');
    expect(JSON.stringify(crd.spec.names)).toContain('"categories":["agent-army"]');
    expect(JSON.stringify(crd.spec.versions)).toContain('"subresources":{"status":{}}');
  });
});

describe('rewrite to structural', () => {
  it('turns int-or-string unions into the Kubernetes form, hoisting bounds and pattern', () => {
    const s = toStructuralSchema(z.object({ n: intOrString(z.int().min(0), z.string().regex(/^[0-9]+%$/)) }));
    expect((s.properties as Record<string, unknown>).n).toEqual({
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      minimum: 0,
      pattern: '^[0-9]+%$',
      'x-kubernetes-int-or-string': true,
    });
  });
  it('drops the ±2^53 bounds zod puts on integers', () => {
    const s = toStructuralSchema(z.object({ n: z.int() }));
    expect((s.properties as Record<string, unknown>).n).toEqual({ type: 'integer' });
  });
  it.each([
    ['unknown values', z.object({ x: z.unknown() }), /no type/],
    ['general unions', z.object({ x: z.union([z.string(), z.object({ a: z.string() })]) }), /anyOf/],
    ['nullable', z.object({ x: z.string().nullable() }), /nullable/],
    ['lookaheads', z.object({ x: z.string().regex(/^(?!v)[0-9]+$/) }), /lookaround/],
  ])('refuses %s', (_n, schema, message) => {
    expect(() => toStructuralSchema(schema)).toThrow(message);
  });
  it('flags a hand-made non-structural schema', () => {
    const bad: SchemaNode = {
      type: 'object',
      properties: { a: { $ref: '#/x' }, b: { properties: {}, additionalProperties: { type: 'string' } } },
    };
    expect(structuralProblems(bad)).toEqual([
      'schema.a: $ref',
      'schema.a: missing type',
      'schema.b: missing type',
      'schema.b: additionalProperties beside properties',
    ]);
  });
});

describe('CEL rules', () => {
  const rulesOf = (name: string) =>
    JSON.stringify(openAPISchema(KIND_SOURCES.find((s) => s.name === name)!))
      .match(/"rule":"(?:[^"\\]|\\.)*"/g)
      ?.map((r) => JSON.parse(`{${r}}`).rule as string) ?? [];
  it('makes the AgentVersion spec immutable and prompts exclusive', () => {
    expect(rulesOf('AgentVersion')).toEqual(
      expect.arrayContaining(['self == oldSelf', 'has(self.systemPrompt) != has(self.promptRef)']),
    );
  });
  it('checks autoscaling bounds and strategy blocks on AgentArmy', () => {
    expect(rulesOf('AgentArmy')).toEqual(
      expect.arrayContaining([
        'self.minReplicas <= self.maxReplicas',
        "self.type != 'Canary' || has(self.canary)",
      ]),
    );
  });
  it('checks non-decreasing weights on CanaryRelease', () => {
    expect(rulesOf('CanaryRelease')).toContain(
      'self.filter(s, has(s.setWeight)).map(s, s.setWeight).isSorted()',
    );
  });
});

describe('rendered files', () => {
  it('are deterministic', () => expect([...renderCrdFiles()]).toEqual([...renderCrdFiles()]));
  it('carry the generated-file header and match what is committed in crds/ and the chart', () => {
    for (const [name, text] of renderCrdFiles()) {
      expect(text.startsWith(CRD_HEADER)).toBe(true);
      expect(readFileSync(join(repoRoot, 'crds', name), 'utf8')).toBe(text);
      expect(readFileSync(join(repoRoot, 'charts/agent-army/crds', name), 'utf8')).toBe(text);
    }
  });
});

// Markdown reference of every field, rendered from the same structural schemas as the CRDs, so
// docs/api.md cannot disagree with what the apiserver enforces.
import { KIND_SOURCES, openAPISchema } from './crds.js';
import type { SchemaNode } from './openapi.js';

export const DOCS_BEGIN = '<!-- BEGIN GENERATED FIELD REFERENCE (operator/scripts/generate-crds.ts) -->';
export const DOCS_END = '<!-- END GENERATED FIELD REFERENCE -->';

function typeOf(n: SchemaNode): string {
  if (n['x-kubernetes-int-or-string'] === true) return 'int or string';
  if (n.type === 'array') return `[]${typeOf((n.items ?? {}) as SchemaNode)}`;
  if (n.type === 'object' && n.additionalProperties)
    return `map[string]${typeOf(n.additionalProperties as SchemaNode)}`;
  return String(n.type ?? '');
}

function constraints(n: SchemaNode): string {
  const c: string[] = [];
  if (Array.isArray(n.enum)) c.push(`one of ${n.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  const lo = n.exclusiveMinimum === true ? '>' : '≥';
  if (n.minimum !== undefined) c.push(`${lo} ${String(n.minimum)}`);
  if (n.maximum !== undefined) c.push(`≤ ${String(n.maximum)}`);
  if (n.minLength !== undefined && n.minLength !== 0) c.push(`length ≥ ${String(n.minLength)}`);
  if (n.maxLength !== undefined) c.push(`length ≤ ${String(n.maxLength)}`);
  if (n.minItems !== undefined && n.minItems !== 0) c.push(`≥ ${String(n.minItems)} items`);
  if (n.maxItems !== undefined) c.push(`≤ ${String(n.maxItems)} items`);
  if (n['x-kubernetes-list-type'] === 'map') {
    c.push(`unique by \`${(n['x-kubernetes-list-map-keys'] as string[]).join(', ')}\``);
  }
  if (typeof n.pattern === 'string') c.push(`pattern \`${n.pattern}\``);
  for (const r of (n['x-kubernetes-validations'] ?? []) as Array<{ rule: string; message: string }>) {
    c.push(`rule: ${r.message}`);
  }
  return c.join('; ');
}

function rows(n: SchemaNode, path: string, out: string[]): void {
  const node = n.type === 'array' ? ((n.items ?? {}) as SchemaNode) : n;
  const req = new Set((node.required ?? []) as string[]);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, SchemaNode>)) {
    const p = `${path}.${name}`;
    const def = child.default === undefined ? '' : ` Default: \`${JSON.stringify(child.default)}\`.`;
    const rules = constraints(child);
    const head = `\`${p}\` (${typeOf(child)}${req.has(name) ? ', required' : ''})`;
    out.push(`- ${head}: ${String(child.description ?? '')}${def}${rules ? ` Validation: ${rules}.` : ''}`);
    rows(child, child.type === 'array' ? `${p}[]` : p, out);
  }
}

/** The generated section of docs/api.md: one field table per kind and part (spec, status). */
export function renderFieldReference(): string {
  const parts: string[] = [DOCS_BEGIN, ''];
  for (const src of KIND_SOURCES) {
    const schema = openAPISchema(src);
    const props = schema.properties as Record<string, SchemaNode>;
    parts.push(`### ${src.name}`, '', String(schema.description), '');
    for (const part of ['spec', 'status'] as const) {
      const node = props[part]!;
      const rules = constraints({ 'x-kubernetes-validations': node['x-kubernetes-validations'] });
      parts.push(
        `#### ${src.name} \`.${part}\``,
        '',
        `${String(node.description)}${rules ? ` (${rules})` : ''}`,
        '',
      );
      const out: string[] = [];
      rows(node, part, out);
      parts.push(...out, '');
    }
  }
  parts.push(DOCS_END);
  return parts.join('\n');
}

/** `doc` with its generated section replaced (appended when the markers are missing). */
export function updateDocs(doc: string): string {
  const start = doc.indexOf(DOCS_BEGIN);
  const end = doc.indexOf(DOCS_END);
  if (start === -1 || end === -1) return `${doc.trimEnd()}\n\n${renderFieldReference()}\n`;
  return doc.slice(0, start) + renderFieldReference() + doc.slice(end + DOCS_END.length);
}

// zod 4 → JSON Schema (openapi-3.0 flavour) → a *structural* OpenAPI v3 schema the apiserver accepts:
// no $ref, no additionalProperties beside properties, int-or-string as Kubernetes spells it, RE2-safe
// patterns, descriptions kept, x-kubernetes-* extensions passed through. Anything the rewrite does not
// understand throws, so a new zod construct cannot slip into a CRD unnoticed.
import { z } from 'zod';

/** A JSON value shaped like an OpenAPI schema node. */
export type SchemaNode = { [key: string]: unknown };

const KEY_ORDER = [
  'description',
  'type',
  'format',
  'default',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'anyOf',
] as const;
const ALLOWED = new Set<string>(KEY_ORDER);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Why a pattern would not compile in RE2 (the apiserver's engine), or undefined when it is fine. */
export function re2Problem(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern)) return 'lookaround assertions are not supported by RE2';
  if (/\\[1-9]/.test(pattern)) return 'backreferences are not supported by RE2';
  if (/\(\?<[A-Za-z]/.test(pattern)) return 'use (?P<name>…) or plain groups; (?<name>…) is not RE2';
  return undefined;
}

function isNode(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ordered(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const k of KEY_ORDER) if (node[k] !== undefined) out[k] = node[k];
  for (const k of Object.keys(node).sort())
    if (out[k] === undefined && node[k] !== undefined) out[k] = node[k];
  return out;
}

/** anyOf [integer, string] → Kubernetes int-or-string, hoisting the branches' bounds and pattern. */
function intOrString(node: SchemaNode, at: string): SchemaNode {
  const branches = node.anyOf;
  if (!Array.isArray(branches)) throw new Error(`${at}: x-kubernetes-int-or-string without anyOf`);
  const { anyOf: _anyOf, ...rest } = node;
  const out: SchemaNode = { ...rest, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  for (const b of branches) {
    if (!isNode(b)) throw new Error(`${at}: bad anyOf branch`);
    const { type, ...checks } = b;
    if (type !== 'integer' && type !== 'string')
      throw new Error(`${at}: int-or-string branch of type ${String(type)}`);
    Object.assign(out, checks);
  }
  return out;
}

function rewrite(input: SchemaNode, at: string): SchemaNode {
  let node: SchemaNode = { ...input };
  if (node.$ref !== undefined)
    throw new Error(`${at}: $ref is not allowed (zod emitted a shared definition)`);
  for (const k of ['allOf', 'oneOf', 'not', 'nullable', 'const', '$defs', 'definitions']) {
    if (node[k] !== undefined) throw new Error(`${at}: "${k}" cannot be expressed in a structural schema`);
  }
  if (node['x-kubernetes-int-or-string'] === true) node = intOrString(node, at);
  else if (node.anyOf !== undefined) throw new Error(`${at}: anyOf is only supported for int-or-string`);
  for (const k of Object.keys(node)) {
    if (!ALLOWED.has(k) && !k.startsWith('x-kubernetes-'))
      throw new Error(`${at}: unsupported keyword "${k}"`);
  }
  if (node.format === 'date-time') delete node.pattern; // zod's date-time regex; format does the job
  if (node.type === 'integer' || node['x-kubernetes-int-or-string'] === true) {
    if (node.minimum === -MAX_SAFE) delete node.minimum;
    if (node.maximum === MAX_SAFE) delete node.maximum;
  }
  if (typeof node.pattern === 'string') {
    const problem = re2Problem(node.pattern);
    if (problem) throw new Error(`${at}: pattern ${node.pattern}: ${problem}`);
  }
  if (isNode(node.properties)) {
    if (node.additionalProperties === false || isNode(node.additionalProperties)) {
      const ap = node.additionalProperties;
      if (isNode(ap) && Object.keys(ap).length > 0)
        throw new Error(`${at}: additionalProperties beside properties`);
      delete node.additionalProperties;
    }
    const props: SchemaNode = {};
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isNode(child)) throw new Error(`${at}.${name}: not a schema`);
      props[name] = rewrite(child, `${at}.${name}`);
    }
    node.properties = props;
  } else if (node.additionalProperties === false) {
    delete node.additionalProperties;
  } else if (isNode(node.additionalProperties)) {
    node.additionalProperties = rewrite(node.additionalProperties, `${at}.*`);
  }
  if (isNode(node.items)) node.items = rewrite(node.items, `${at}[]`);
  if (node.type === undefined && node['x-kubernetes-int-or-string'] !== true) {
    throw new Error(`${at}: no type (zod unknown/any cannot be made structural)`);
  }
  return ordered(node);
}

/** The structural OpenAPI v3 schema of a zod schema (input side: defaulted fields are optional). */
export function toStructuralSchema(schema: z.ZodType, at = 'schema'): SchemaNode {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
  });
  const { $schema: _ignored, ...rest } = json as SchemaNode;
  return rewrite(rest, at);
}

/**
 * Problems that would make the apiserver reject the schema as non-structural, or make `kubectl explain`
 * useless. An empty list means the schema is fine. Used by the generator and the tests.
 */
export function structuralProblems(node: SchemaNode, at = 'schema', inAnyOf = false): string[] {
  const problems: string[] = [];
  const intOrStr = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (node.$ref !== undefined) problems.push(`${at}: $ref`);
  if (!inAnyOf && node.type === undefined && !intOrStr && !preserve) problems.push(`${at}: missing type`);
  if (inAnyOf && (node.description !== undefined || node.default !== undefined)) {
    problems.push(`${at}: description/default inside anyOf`);
  }
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    problems.push(`${at}: additionalProperties beside properties`);
  }
  if (node.type === 'array' && !isNode(node.items)) problems.push(`${at}: array without items`);
  if (node.anyOf !== undefined && !intOrStr) problems.push(`${at}: anyOf outside int-or-string`);
  if (intOrStr && node.type !== undefined) problems.push(`${at}: int-or-string must not set type`);
  if (typeof node.pattern === 'string') {
    const p = re2Problem(node.pattern);
    if (p) problems.push(`${at}: ${p}`);
  }
  if (
    node['x-kubernetes-validations'] !== undefined &&
    node.type === 'array' &&
    node.maxItems === undefined
  ) {
    problems.push(`${at}: CEL rules on an array without maxItems`);
  }
  if (isNode(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) {
      if (isNode(child)) problems.push(...structuralProblems(child, `${at}.${name}`));
    }
  }
  if (isNode(node.additionalProperties)) {
    problems.push(...structuralProblems(node.additionalProperties, `${at}.*`));
  }
  if (isNode(node.items)) problems.push(...structuralProblems(node.items, `${at}[]`));
  if (Array.isArray(node.anyOf)) {
    node.anyOf.forEach((b, i) => {
      if (isNode(b)) problems.push(...structuralProblems(b, `${at}.anyOf[${i}]`, true));
    });
  }
  return problems;
}

/** Paths of properties without a description (kubectl explain would print nothing for them). */
export function undescribedFields(node: SchemaNode, at = 'schema'): string[] {
  const out: string[] = [];
  if (isNode(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isNode(child) || (at === 'schema' && name === 'metadata')) continue; // metadata: apiserver's own
      if (typeof child.description !== 'string' || child.description === '') out.push(`${at}.${name}`);
      out.push(...undescribedFields(child, `${at}.${name}`));
    }
  }
  if (isNode(node.items)) out.push(...undescribedFields(node.items, `${at}[]`));
  if (isNode(node.additionalProperties)) out.push(...undescribedFields(node.additionalProperties, `${at}.*`));
  return out;
}

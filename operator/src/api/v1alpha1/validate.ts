// Parse helpers for objects read from the cluster (or from files): they return typed values with
// defaults applied, or fail with one message per problem, each naming the field path.
import type { z } from 'zod';
import { AgentArmy } from './agent-army.js';
import { AgentVersion } from './agent-version.js';
import { CanaryRelease } from './canary-release.js';

/** "spec.agents[0].autoscaling.minReplicas" from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

export interface FieldProblem {
  /** Field path such as spec.steps[2].setWeight. */
  path: string;
  message: string;
}

export class ApiValidationError extends Error {
  override readonly name = 'ApiValidationError';
  constructor(
    readonly kind: string,
    readonly objectName: string,
    readonly problems: FieldProblem[],
  ) {
    super(`invalid ${kind} ${objectName}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
}

function objectName(input: unknown): string {
  const meta = (input as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '(unnamed)';
  return typeof meta?.namespace === 'string' ? `${meta.namespace}/${name}` : name;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ApiValidationError };

/** Validates `input` against `schema`; never throws. */
export function safeParseResource<S extends z.ZodType>(
  schema: S,
  kind: string,
  input: unknown,
): ParseResult<z.output<S>> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  const problems = r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  return { ok: false, error: new ApiValidationError(kind, objectName(input), problems) };
}

/** Validates `input` against `schema`; throws ApiValidationError naming each bad field. */
export function parseResource<S extends z.ZodType>(schema: S, kind: string, input: unknown): z.output<S> {
  const r = safeParseResource(schema, kind, input);
  if (!r.ok) throw r.error;
  return r.value;
}

export const parseAgentVersion = (input: unknown): AgentVersion =>
  parseResource(AgentVersion, 'AgentVersion', input);
export const parseAgentArmy = (input: unknown): AgentArmy => parseResource(AgentArmy, 'AgentArmy', input);
export const parseCanaryRelease = (input: unknown): CanaryRelease =>
  parseResource(CanaryRelease, 'CanaryRelease', input);

export const safeParseAgentVersion = (input: unknown) =>
  safeParseResource(AgentVersion, 'AgentVersion', input);
export const safeParseAgentArmy = (input: unknown) => safeParseResource(AgentArmy, 'AgentArmy', input);
export const safeParseCanaryRelease = (input: unknown) =>
  safeParseResource(CanaryRelease, 'CanaryRelease', input);

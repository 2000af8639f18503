// Validation rules that exist twice: once as a zod refinement (so the operator and the tests check them in
// TypeScript) and once as a CEL rule in `x-kubernetes-validations` (so the apiserver enforces them).
// Keeping both in one call is what stops the two from drifting apart.
import { z } from 'zod';

/** One CEL rule as the apiserver reads it from `x-kubernetes-validations`. */
export const CelRule = z.object({
  rule: z.string().describe('CEL expression; `self` is the value being validated.'),
  message: z.string().describe('Message returned by the apiserver when the rule is false.'),
  fieldPath: z.string().optional().describe('JSONPath (relative to self) of the field the error names.'),
  reason: z
    .enum(['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'])
    .optional(),
});
export type CelRule = z.infer<typeof CelRule>;

export interface CheckedRule<T> extends CelRule {
  /** The same rule in TypeScript; returns true when the value is valid. */
  check: (value: T) => boolean;
}

const VALIDATIONS = 'x-kubernetes-validations';

function existingRules(schema: z.ZodType): CelRule[] {
  const meta = schema.meta();
  const rules = meta?.[VALIDATIONS];
  return Array.isArray(rules) ? (rules as CelRule[]) : [];
}

/** `.fieldPath` (CEL style) → zod issue path segments. */
function issuePath(fieldPath: string | undefined): string[] {
  if (!fieldPath) return [];
  return fieldPath.split('.').filter((s) => s.length > 0);
}

/** Adds rules that both zod and the apiserver enforce. */
export function withRules<T extends z.ZodType>(schema: T, rules: CheckedRule<z.output<T>>[]): T {
  let out = schema;
  for (const r of rules) {
    out = out.refine((v) => r.check(v), { message: r.message, path: issuePath(r.fieldPath) });
  }
  const cel = rules.map(({ check: _check, ...rule }) => rule);
  return out.meta({ [VALIDATIONS]: [...existingRules(schema), ...cel] });
}

/** Adds a CEL rule the apiserver alone can check (transition rules such as `self == oldSelf`). */
export function withServerRule<T extends z.ZodType>(schema: T, rule: CelRule): T {
  return schema.meta({ [VALIDATIONS]: [...existingRules(schema), rule] });
}

/**
 * A list whose items are identified by `key` (a Kubernetes "map list"): the apiserver rejects duplicate
 * keys through `x-kubernetes-list-type: map`, zod through a refinement naming the duplicate.
 */
export function mapList<I extends z.ZodObject, K extends keyof z.output<I> & string>(
  item: I,
  key: K,
  opts: { max: number; min?: number },
) {
  return z
    .array(item)
    .min(opts.min ?? 0)
    .max(opts.max)
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((it, i) => {
        const k = (it as Record<string, unknown>)[key];
        if (seen.has(k))
          ctx.addIssue({ code: 'custom', message: `duplicate ${key} "${String(k)}"`, path: [i, key] });
        seen.add(k);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });
}

/** A list the apiserver treats as a set of scalars (duplicates rejected). */
export function setList<I extends z.ZodType>(item: I, opts: { max: number; min?: number }) {
  return z
    .array(item)
    .min(opts.min ?? 0)
    .max(opts.max)
    .refine((items) => new Set(items).size === items.length, { message: 'duplicate values are not allowed' })
    .meta({ 'x-kubernetes-list-type': 'set' });
}

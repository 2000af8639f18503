// Configuration of the fake OpenAI-compatible upstream: how each model behaves (latency, errors, hangs).
// Example (YAML or JSON):
//   seed: 42                       # deterministic RNG; omit for Math.random
//   models:
//     good-model: { latencyMs: { min: 20, max: 80 } }
//     bad-model:  { latencyMs: 30, errorRate: 0.3, errorStatus: 500 }
//     slow-model: { hangRate: 1 }  # never answers; the caller's timeout fires
//     "*": {}                      # any other model name: healthy and instant (omit to answer 404)
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/** Fixed milliseconds, a uniform range, or a normal distribution (clamped at 0). */
export const latencySchema = z.union([
  z.number().min(0),
  z.strictObject({ min: z.number().min(0), max: z.number().min(0) }).refine((r) => r.max >= r.min, {
    message: 'max must be >= min',
  }),
  z.strictObject({ mean: z.number().min(0), stddev: z.number().min(0) }),
]);

/**
 * A deterministic tool call: at model call `step` of a turn (1 = the first call after the user's message,
 * 2 = after the first tool results, "any" = every call), when the last user message matches `match`
 * (a regular expression; any message when absent) and the request offers a tool named `name`, the model
 * calls it with `arguments`. String arguments may use $1…$9 for the groups of `match`.
 */
export const toolCallRuleSchema = z.strictObject({
  match: z
    .string()
    .refine((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
  step: z.union([z.int().min(1), z.literal('any')]).default(1),
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).default({}),
});

/**
 * A judge model: it answers with {"score", "reason"}. The score is that of the model that answered the
 * judged request (found by the x-request-id both calls carry), else of the first `promptRules` entry
 * whose regular expression matches that call's system prompt, else `default`; `jitter` adds ± noise.
 */
export const judgeBehaviourSchema = z.strictObject({
  scores: z.record(z.string(), z.number().min(0).max(1)).default({}),
  promptRules: z.array(z.strictObject({ match: z.string(), score: z.number().min(0).max(1) })).default([]),
  default: z.number().min(0).max(1).default(0.8),
  jitter: z.number().min(0).max(0.5).default(0),
});

export const behaviourSchema = z.strictObject({
  latencyMs: latencySchema.default(0),
  /** Share of requests answered with `errorStatus` (after the latency). */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.number().int().min(400).max(599).default(500),
  /** Share of requests that never get an answer (until `hangMs`, or until the caller hangs up). */
  hangRate: z.number().min(0).max(1).default(0),
  hangMs: z.number().min(0).optional(),
  /**
   * false adds `x-should-retry: false` to error answers so the openai SDK does not retry them, which makes
   * the error rate the caller sees equal to `errorRate`.
   */
  retryable: z.boolean().default(true),
  /** Fixed answer text; by default the fake echoes the last user message. */
  reply: z.string().optional(),
  /** Delay between streamed chunks. */
  chunkDelayMs: z.number().min(0).default(0),
  /** Tool calls this model makes for given inputs (see toolCallRuleSchema). */
  toolCalls: z.array(toolCallRuleSchema).default([]),
  /** This model is a judge (see judgeBehaviourSchema). */
  judge: judgeBehaviourSchema.optional(),
  /**
   * An alias: requests for this name are served by that model (its behaviour when configured, and its
   * name in the answer's `model` field), like a provider alias such as gpt-4o → gpt-4o-2024-08-06.
   */
  aliasOf: z.string().min(1).optional(),
  /** The alias moves: from `afterSeconds` after the fake started (or at the time `at`), it serves `to`. */
  switch: z
    .strictObject({
      to: z.string().min(1),
      afterSeconds: z.number().min(0).optional(),
      at: z.iso.datetime().optional(),
    })
    .refine(
      (s) => (s.afterSeconds === undefined) !== (s.at === undefined),
      'set exactly one of afterSeconds and at',
    )
    .optional(),
});

export const fakeConfigSchema = z
  .strictObject({
    seed: z.number().int().optional(),
    /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
    apiKey: z.string().min(1).optional(),
    models: z.record(z.string().min(1), behaviourSchema).default({ '*': behaviourSchema.parse({}) }),
  })
  .refine((c) => Object.values(c.models).every((m) => m.errorRate + m.hangRate <= 1), {
    message: 'errorRate + hangRate must not exceed 1 for any model',
    path: ['models'],
  });

export type FakeConfig = z.output<typeof fakeConfigSchema>;
export type FakeConfigInput = z.input<typeof fakeConfigSchema>;
export type ModelBehaviour = z.output<typeof behaviourSchema>;

export function parseFakeConfig(raw: unknown, source = 'config'): FakeConfig {
  const result = fakeConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid fake-openai ${source}: ${lines.join('; ')}`);
  }
  return result.data;
}

/** Reads a YAML/JSON file, or inline YAML/JSON when `spec` starts with "{". */
export function loadFakeConfig(spec: string | undefined): FakeConfig {
  if (spec === undefined) return parseFakeConfig({});
  const inline = spec.trimStart().startsWith('{');
  const text = inline ? spec : readFileSync(spec, 'utf8');
  return parseFakeConfig(parse(text), inline ? 'inline config' : spec);
}

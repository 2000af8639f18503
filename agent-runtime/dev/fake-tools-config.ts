// Configuration of the fake tool server: how each tool behaves (latency, failure rate, hangs, result).
// Example (YAML or JSON):
//   seed: 7
//   tools:
//     lookup_order: { latencyMs: { min: 5, max: 20 }, result: { status: shipped } }
//     refund:       { errorRate: 0.2, retryable: false }   # fails 20 % of calls, tells callers not to retry
//     "*": {}                                               # any other tool name: instant echo (omit: 404)
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { latencySchema } from './fake-openai-config.js';

export const toolBehaviourSchema = z.strictObject({
  /** Shown by the MCP server's tools/list. */
  description: z.string().optional(),
  /** JSON Schema of the arguments (MCP tools/list); an open object by default. */
  parameters: z.record(z.string(), z.unknown()).optional(),
  latencyMs: latencySchema.default(0),
  /** Share of calls that fail: HTTP `errorStatus`, or an MCP result with isError. */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.number().int().min(400).max(599).default(500),
  /** false adds `x-should-retry: false` to HTTP failures, so the runtime does not retry them. */
  retryable: z.boolean().default(true),
  /** Share of calls never answered (the caller's timeout fires). */
  hangRate: z.number().min(0).max(1).default(0),
  /** Fixed result; by default {"tool": name, "arguments": …} (an echo). */
  result: z.unknown().optional(),
});

export const fakeToolsConfigSchema = z
  .strictObject({
    seed: z.number().int().optional(),
    tools: z.record(z.string().min(1), toolBehaviourSchema).default({ '*': toolBehaviourSchema.parse({}) }),
  })
  .refine((c) => Object.values(c.tools).every((t) => t.errorRate + t.hangRate <= 1), {
    message: 'errorRate + hangRate must not exceed 1 for any tool',
    path: ['tools'],
  });

export type FakeToolsConfig = z.output<typeof fakeToolsConfigSchema>;
export type FakeToolsConfigInput = z.input<typeof fakeToolsConfigSchema>;
export type ToolBehaviour = z.output<typeof toolBehaviourSchema>;

export function parseFakeToolsConfig(raw: unknown, source = 'config'): FakeToolsConfig {
  const result = fakeToolsConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid fake-tools ${source}: ${lines.join('; ')}`);
  }
  return result.data;
}

/** Reads a YAML/JSON file, or inline YAML/JSON when `spec` starts with "{". */
export function loadFakeToolsConfig(spec: string | undefined): FakeToolsConfig {
  if (spec === undefined) return parseFakeToolsConfig({});
  const inline = spec.trimStart().startsWith('{');
  const text = inline ? spec : readFileSync(spec, 'utf8');
  return parseFakeToolsConfig(parse(text), inline ? 'inline config' : spec);
}

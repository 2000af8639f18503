// The agent config file (AGENT_CONFIG_FILE): the parts of an AgentVersion that are not simple scalars —
// system prompt, tools, model parameters and an optional price table. The operator renders it into a
// ConfigMap as YAML or JSON (YAML is a superset of JSON, so one parser reads both).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssues } from './config-error.js';

export const priceSchema = z.strictObject({
  /** USD per one million prompt (input) tokens. */
  inputPerMillion: z.number().min(0),
  /** USD per one million completion (output) tokens. */
  outputPerMillion: z.number().min(0),
});

export const toolSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
  description: z.string().max(4096).optional(),
  /** JSON Schema of the tool's arguments, passed to the model unchanged. */
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** Where the tool is served (from the AgentVersion's spec.tools): an HTTP endpoint or an MCP server. */
  protocol: z.enum(['http', 'mcp']).default('http'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  timeoutSeconds: z.number().positive().max(600).default(30),
});

export const paramsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  maxTokens: z.number().int().positive().optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
  seed: z.number().int().optional(),
});

export const agentFileSchema = z.strictObject({
  /** System prompt prepended to every conversation. */
  prompt: z.string().max(1_000_000).optional(),
  tools: z.array(toolSchema).max(128).default([]),
  params: paramsSchema.default({}),
  /** Price table by model name; overrides the built-in table (see pricing.ts). */
  pricing: z.record(z.string().min(1), priceSchema).default({}),
});

export type AgentFile = z.output<typeof agentFileSchema>;
export type ModelParams = z.output<typeof paramsSchema>;

/** Parses the agent file text; `source` names it in error messages. */
export function parseAgentFile(text: string, source: string): AgentFile {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new ConfigError([`${source}: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`]);
  }
  const result = agentFileSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, `${source}: `));
  return result.data;
}

/** Loads the file named by `envName`; without a path the agent runs with no prompt, tools or params. */
export function loadAgentFile(path: string | undefined, envName: string): AgentFile {
  if (path === undefined) return agentFileSchema.parse({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${envName}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`]);
  }
  return parseAgentFile(text, `${envName} (${path})`);
}

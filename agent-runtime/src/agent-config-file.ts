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

export const toolSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
    description: z.string().max(4096).optional(),
    /**
     * JSON Schema of the tool's arguments, passed to the model unchanged. For an MCP tool without one, the
     * server's own input schema is used once it has been read.
     */
    parameters: z.record(z.string(), z.unknown()).optional(),
    /**
     * Where the tool is served (from the AgentVersion's spec.tools): `http`, a JSON POST endpoint, or `mcp`,
     * an MCP server (Streamable HTTP) that serves a tool of this name. A tool without `url` is the caller's:
     * the runtime hands its calls back instead of running them.
     */
    protocol: z.enum(['http', 'mcp']).default('http'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** Timeout of one attempt. */
    timeoutSeconds: z.number().positive().max(600).default(30),
    /**
     * Further attempts after a failed one (timeout, connection error, 5xx, 429). Default 2, or 0 for a
     * tool with side effects, which is never repeated unless this says so.
     */
    retries: z.int().min(0).max(5).optional(),
    /** The tool changes something outside (sends, books, pays): shadow traffic answers it with a stub. */
    sideEffects: z.boolean().default(false),
  })
  .transform((t) => ({ ...t, retries: t.retries ?? (t.sideEffects ? 0 : 2) }));

/** The online judge: a model that scores a sampled share of the answers against a rubric, off the request path. */
export const judgeSchema = z.strictObject({
  /** Judge model name, sent to the same OpenAI-compatible API unless `baseURL` says otherwise. */
  model: z.string().min(1).max(256),
  /** What a good answer is; the judge scores each answer from 0 (fails it) to 1 (fully meets it). */
  rubric: z.string().min(1).max(32_768),
  baseURL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Share of successful answers sent to the judge (decided by a hash of the request id). */
  sampleRate: z.number().min(0).max(1).default(0.1),
  /** A score at or above this is verdict `pass`, below it `fail`. */
  passScore: z.number().min(0).max(1).default(0.7),
  /** Judge calls at once. */
  maxConcurrency: z.int().min(1).max(64).default(2),
  /** Samples waiting for a judge call; more are dropped (counted, never blocking an answer). */
  queueSize: z.int().min(1).max(10_000).default(100),
  /** Budget: judge calls started per minute at most; samples over it are dropped (counted). */
  maxPerMinute: z.int().min(1).max(1_000_000).default(60),
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
  tools: z
    .array(toolSchema)
    .max(128)
    .default([])
    .refine((tools) => new Set(tools.map((t) => t.name)).size === tools.length, 'tool names must be unique'),
  /** Model calls per request at most: the tool loop stops there and answers with finishReason max_steps. */
  maxSteps: z.int().min(1).max(64).default(8),
  params: paramsSchema.default({}),
  judge: judgeSchema.optional(),
  /** Price table by model name; overrides the built-in table (see pricing.ts). */
  pricing: z.record(z.string().min(1), priceSchema).default({}),
});

export type AgentFile = z.output<typeof agentFileSchema>;
export type ModelParams = z.output<typeof paramsSchema>;
export type ToolConfig = z.output<typeof toolSchema>;
export type JudgeConfig = z.output<typeof judgeSchema>;

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

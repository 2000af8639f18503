// AgentVersion: an immutable, semver'd snapshot of one agent (image, model, prompt, tools).
import semverLib from 'semver';
import { z } from 'zod';
import {
  API_VERSION,
  ConfigMapKeySelector,
  dnsLabel,
  dnsSubdomain,
  EnvList,
  httpURL,
  ObjectMeta,
  ResourceRequirements,
  SecretKeySelector,
  semver,
} from './common.js';
import { Conditions } from './conditions.js';
import { mapList, withRules, withServerRule } from './rules.js';

export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
/** Permissive shape check for semver ranges in the CRD; zod checks them fully with the semver package. */
export const SEMVER_RANGE_PATTERN = /^[-0-9A-Za-z.*^~<>=|+ ]+$/;

export const ModelSpec = z
  .object({
    name: z
      .string()
      .min(1)
      .max(253)
      .describe('Model name passed to the OpenAI-compatible API, e.g. gpt-4o-mini.'),
    baseURL: httpURL()
      .optional()
      .describe('Base URL of an OpenAI-compatible API; the provider default when absent.'),
    apiKeySecretRef: SecretKeySelector.describe(
      'Secret key holding the API key (mounted only as a secretKeyRef).',
    ),
    temperature: z.number().min(0).max(2).optional().describe('Sampling temperature, 0–2.'),
    maxTokens: z.int().min(1).max(1_000_000).optional().describe('Maximum tokens per completion.'),
    timeoutSeconds: z.int().min(1).max(3600).default(60).describe('Timeout of one model request.'),
  })
  .describe('The LLM the agent calls.');
export type ModelSpec = z.infer<typeof ModelSpec>;

export const ToolSpec = z
  .object({
    name: z
      .string()
      .regex(TOOL_NAME_PATTERN)
      .describe('Tool name as the model sees it (letters, digits, _ and -).'),
    description: z.string().max(1024).optional().describe('What the tool does, shown to the model.'),
    protocol: z.enum(['http', 'mcp']).default('http').describe('http: JSON POST endpoint; mcp: MCP server.'),
    url: httpURL().describe('Endpoint of the tool.'),
    timeoutSeconds: z.int().min(1).max(600).default(30).describe('Timeout of one tool call.'),
    retries: z
      .int()
      .min(0)
      .max(5)
      .optional()
      .describe(
        'Further attempts after a failed call (timeout, connection, 5xx, 429); default 2, or 0 with sideEffects.',
      ),
    sideEffects: z
      .boolean()
      .optional()
      .describe(
        'The tool changes something outside (sends, books, pays): shadow traffic gets a stub answer instead.',
      ),
  })
  .describe('A tool the agent may call.');
export type ToolSpec = z.infer<typeof ToolSpec>;

export const JudgeSpec = z
  .object({
    model: z
      .string()
      .min(1)
      .max(253)
      .describe('Judge model, on the same OpenAI-compatible API as the agent unless baseURL is set.'),
    baseURL: httpURL().optional().describe("Base URL of the judge's API; the agent model's when absent."),
    rubric: z
      .string()
      .min(1)
      .max(32768)
      .describe('What a good answer is; the judge scores each answer from 0 to 1.'),
    sampleRate: z.number().min(0).max(1).optional().describe('Share of answers judged (default 0.1).'),
    passScore: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Score at or above which a verdict is pass (default 0.7).'),
    maxPerMinute: z
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe(
        'Judge calls per minute at most per pod (default 60); samples over it are dropped and counted.',
      ),
  })
  .describe('Online judge: scores a sampled share of the answers off the request path (agent_eval_score).');
export type JudgeSpec = z.infer<typeof JudgeSpec>;

export const AgentVersionSpec = withServerRule(
  withRules(
    z.object({
      agent: dnsLabel().describe('Name of the agent this is a version of (DNS label).'),
      version: semver().describe('Strict semantic version of this snapshot, e.g. 1.2.0.'),
      image: z
        .string()
        .min(1)
        .max(512)
        .regex(/^[^\s]+$/)
        .describe('Container image running the agent, e.g. acme/agent-runtime:1.2.0.'),
      model: ModelSpec,
      systemPrompt: z
        .string()
        .min(1)
        .max(32768)
        .optional()
        .describe('Inline system prompt. Exclusive with promptRef.'),
      promptRef: ConfigMapKeySelector.optional().describe('ConfigMap key holding the system prompt.'),
      tools: mapList(ToolSpec, 'name', { max: 32 })
        .optional()
        .describe('Tools the agent may call, unique by name.'),
      maxSteps: z
        .int()
        .min(1)
        .max(64)
        .optional()
        .describe('Model calls per request at most in the tool loop (default 8).'),
      judge: JudgeSpec.optional(),
      env: EnvList.optional(),
      resources: ResourceRequirements.optional(),
      compatibleWith: z
        .string()
        .min(1)
        .max(256)
        .regex(SEMVER_RANGE_PATTERN)
        .refine((r) => semverLib.validRange(r) !== null, { message: 'not a valid semver range' })
        .optional()
        .describe(
          'Semver range of running versions this one can replace without a breaking upgrade, e.g. ^1.0.0.',
        ),
      breakingChanges: z
        .array(z.string().min(1).max(1024))
        .max(32)
        .optional()
        .describe(
          'Breaking changes; a non-empty list blocks upgrades unless the army sets allowBreakingUpgrade.',
        ),
    }),
    [
      {
        rule: 'has(self.systemPrompt) != has(self.promptRef)',
        message: 'exactly one of systemPrompt and promptRef must be set',
        check: (v) => (v.systemPrompt === undefined) !== (v.promptRef === undefined),
      },
    ],
  ),
  { rule: 'self == oldSelf', message: 'spec is immutable; create a new AgentVersion instead' },
).describe('Desired state of an AgentVersion. Immutable after creation.');
export type AgentVersionSpec = z.infer<typeof AgentVersionSpec>;

export const AgentVersionUser = z
  .object({
    army: dnsSubdomain().describe('AgentArmy name.'),
    agent: dnsLabel().describe('Agent name in that army.'),
  })
  .describe('An army agent running or rolling out this version.');

export const AgentVersionStatus = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the status reflects.'),
    conditions: Conditions.optional(),
    usedBy: z.array(AgentVersionUser).max(256).optional().describe('Armies and agents using this version.'),
  })
  .describe('Observed state of an AgentVersion. Ready is True when the referenced Secret/ConfigMap exist.');
export type AgentVersionStatus = z.infer<typeof AgentVersionStatus>;

export const AgentVersion = z
  .object({
    apiVersion: z.literal(API_VERSION).describe('agentarmy.dev/v1alpha1'),
    kind: z.literal('AgentVersion').describe('AgentVersion'),
    metadata: ObjectMeta,
    spec: AgentVersionSpec,
    status: AgentVersionStatus.optional(),
  })
  .describe('An immutable, semver-versioned snapshot of an agent: image, model, prompt and tools.');
export type AgentVersion = z.infer<typeof AgentVersion>;

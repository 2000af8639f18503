// Runtime configuration: the environment variables the operator renders into every agent pod, plus the
// optional agent config file (AGENT_CONFIG_FILE). Everything is validated with zod before the server
// listens; a bad value fails with a message that names the variable (see docs/runtime.md).

import { z } from 'zod';
import { loadAgentFile } from './agent-config-file.js';
import { ConfigError, describeIssues } from './config-error.js';

export { ConfigError } from './config-error.js';

import { resolvePrice } from './pricing.js';

/** Every environment variable the runtime reads. The operator must render exactly these names. */
export const ENV = {
  agentName: 'AGENT_NAME',
  agentVersion: 'AGENT_VERSION',
  agentTrack: 'AGENT_TRACK',
  namespace: 'POD_NAMESPACE',
  modelName: 'MODEL_NAME',
  modelBaseUrl: 'MODEL_BASE_URL',
  modelTimeoutSeconds: 'MODEL_TIMEOUT_SECONDS',
  modelMaxRetries: 'MODEL_MAX_RETRIES',
  apiKey: 'OPENAI_API_KEY',
  configFile: 'AGENT_CONFIG_FILE',
  port: 'PORT',
  shadowPort: 'SHADOW_PORT',
  host: 'HOST',
  maxConcurrency: 'MAX_CONCURRENCY',
  maxBodyBytes: 'MAX_BODY_BYTES',
  breakerFailureThreshold: 'CIRCUIT_BREAKER_FAILURE_THRESHOLD',
  breakerResetTimeoutSeconds: 'CIRCUIT_BREAKER_RESET_TIMEOUT_SECONDS',
  drainTimeoutSeconds: 'DRAIN_TIMEOUT_SECONDS',
  logLevel: 'LOG_LEVEL',
  logPrompts: 'LOG_PROMPTS',
  priceInput: 'MODEL_PRICE_INPUT_PER_MTOK',
  priceOutput: 'MODEL_PRICE_OUTPUT_PER_MTOK',
  toolSideEffects: 'TOOL_SIDE_EFFECTS',
  judgeApiKey: 'JUDGE_API_KEY',
  invokeToken: 'INVOKE_TOKEN',
  callerSystemMessages: 'CALLER_SYSTEM_MESSAGES',
  bodyTimeoutSeconds: 'BODY_TIMEOUT_SECONDS',
  trafficModeFile: 'TRAFFIC_MODE_FILE',
} as const;

/** Kubernetes-style name (DNS-1123 label): what AgentArmy agent names and tracks look like. */
const dnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase DNS label (a-z, 0-9, "-")');
const semver = z
  .string()
  .regex(
    /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/,
    'must be a semantic version like 1.2.3',
  );
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const seconds = (max: number) => z.coerce.number().positive().max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const envSchema = z.object({
  [ENV.agentName]: dnsLabel,
  [ENV.agentVersion]: semver,
  [ENV.agentTrack]: dnsLabel.default('stable'),
  [ENV.namespace]: dnsLabel.optional(),
  [ENV.modelName]: z.string().min(1).max(256),
  [ENV.modelBaseUrl]: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  [ENV.modelTimeoutSeconds]: seconds(3600).default(60),
  [ENV.modelMaxRetries]: int(0, 10).default(3),
  [ENV.apiKey]: z.string().min(1, 'is required (mount it from a Secret)'),
  [ENV.configFile]: z.string().min(1).optional(),
  [ENV.port]: int(0, 65535).default(8080),
  [ENV.shadowPort]: int(0, 65535).optional(),
  [ENV.host]: z.string().min(1).default('0.0.0.0'),
  [ENV.maxConcurrency]: int(1, 100_000).default(64),
  [ENV.maxBodyBytes]: int(64, 64 * 1024 * 1024).default(1024 * 1024),
  [ENV.breakerFailureThreshold]: int(1, 1000).default(5),
  [ENV.breakerResetTimeoutSeconds]: seconds(3600).default(60),
  [ENV.drainTimeoutSeconds]: z.coerce.number().min(0).max(3600).default(25),
  [ENV.logLevel]: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  [ENV.logPrompts]: bool.default(false),
  [ENV.priceInput]: z.coerce.number().min(0).optional(),
  [ENV.priceOutput]: z.coerce.number().min(0).optional(),
  [ENV.toolSideEffects]: z.enum(['run', 'stub']).default('run'),
  [ENV.judgeApiKey]: z.string().min(1).optional(),
  [ENV.invokeToken]: z.string().min(16, 'must be at least 16 characters (mount it from a Secret)').optional(),
  [ENV.callerSystemMessages]: z.enum(['demote', 'refuse', 'allow']).default('demote'),
  [ENV.bodyTimeoutSeconds]: seconds(600).default(10),
  [ENV.trafficModeFile]: z.string().min(1).optional(),
});

export type RuntimeEnv = z.output<typeof envSchema>;

/** Only the variables we know, with empty strings treated as unset. */
function pickEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of Object.values(ENV)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') picked[name] = value.trim();
  }
  return picked;
}

export function parseEnv(env: NodeJS.ProcessEnv): RuntimeEnv {
  const result = envSchema.safeParse(pickEnv(env));
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues));
  const parsed = result.data;
  const priceSet = [parsed[ENV.priceInput], parsed[ENV.priceOutput]].filter((v) => v !== undefined).length;
  if (priceSet === 1) {
    throw new ConfigError([`${ENV.priceInput} and ${ENV.priceOutput} must be set together`]);
  }
  const shadow = parsed[ENV.shadowPort];
  if (shadow !== undefined && shadow !== 0 && shadow === parsed[ENV.port]) {
    throw new ConfigError([`${ENV.shadowPort} must differ from ${ENV.port} (both are ${shadow})`]);
  }
  return parsed;
}

/** Reads and validates env and the agent file. Throws ConfigError listing every problem found. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const e = parseEnv(env);
  const filePath = e[ENV.configFile];
  const agentFile = loadAgentFile(filePath, ENV.configFile);
  const input = e[ENV.priceInput];
  const output = e[ENV.priceOutput];
  const envPrice = input !== undefined && output !== undefined ? { input, output } : undefined;
  return {
    agent: {
      name: e[ENV.agentName],
      version: e[ENV.agentVersion],
      track: e[ENV.agentTrack],
      namespace: e[ENV.namespace],
    },
    model: {
      name: e[ENV.modelName],
      baseURL: e[ENV.modelBaseUrl],
      apiKey: e[ENV.apiKey],
      timeoutMs: Math.round(e[ENV.modelTimeoutSeconds] * 1000),
      maxRetries: e[ENV.modelMaxRetries],
      price: resolvePrice(e[ENV.modelName], envPrice, agentFile.pricing),
    },
    server: {
      host: e[ENV.host],
      port: e[ENV.port],
      /**
       * A second listener for mirrored copies only (the operator's RequestMirror filter targets it): every
       * request that arrives on it is shadow traffic, so tools with sideEffects are stubbed for it.
       */
      shadowPort: e[ENV.shadowPort],
      maxConcurrency: e[ENV.maxConcurrency],
      maxBodyBytes: e[ENV.maxBodyBytes],
      drainTimeoutMs: Math.round(e[ENV.drainTimeoutSeconds] * 1000),
      /** A request body must arrive within this long (a slow upload never holds a concurrency slot). */
      bodyTimeoutMs: Math.round(e[ENV.bodyTimeoutSeconds] * 1000),
      /** When set, /v1/invoke requires `Authorization: Bearer <token>`. */
      invokeToken: e[ENV.invokeToken],
      /** What a caller's system message becomes: demoted to a user message, refused, or kept. */
      callerSystemMessages: e[ENV.callerSystemMessages],
    },
    breaker: {
      failureThreshold: e[ENV.breakerFailureThreshold],
      resetTimeoutMs: Math.round(e[ENV.breakerResetTimeoutSeconds] * 1000),
    },
    log: { level: e[ENV.logLevel], prompts: e[ENV.logPrompts] },
    /** `stub`: tools with sideEffects are never called; every request is answered as shadow traffic. */
    toolSideEffects: e[ENV.toolSideEffects],
    /** The downward API file that says `shadow` while the pod gets only mirrored requests (traffic-mode.ts). */
    trafficModeFile: e[ENV.trafficModeFile],
    /** The judge of the agent file with its API key and base URL resolved, or undefined when there is none. */
    judge: agentFile.judge
      ? {
          ...agentFile.judge,
          apiKey: e[ENV.judgeApiKey] ?? e[ENV.apiKey],
          baseURL: agentFile.judge.baseURL ?? e[ENV.modelBaseUrl],
        }
      : undefined,
    agentFile,
  };
}

/** The fully resolved runtime configuration (what the rest of the runtime uses). */
export type RuntimeConfig = ReturnType<typeof loadConfig>;

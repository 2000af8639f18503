// Operator configuration from command-line flags and environment variables (flags win), validated with
// zod. A bad value fails startup with a message naming the flag or env variable it came from.
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type KubeAccess, createKubeAccess as kubeAccessFor } from './kube/kube-access.js';
import { logLevels } from './observability/logger.js';

/** Where each setting comes from: `--flag` and/or env variable. */
export const configSources = {
  kubeconfig: { flag: 'kubeconfig', env: 'KUBECONFIG' },
  namespaces: { flag: 'namespaces', env: 'WATCH_NAMESPACES' },
  concurrency: { flag: 'concurrency', env: 'AGENT_ARMY_CONCURRENCY' },
  metricsPort: { flag: 'metrics-port', env: 'AGENT_ARMY_METRICS_PORT' },
  metricsBindAddress: { flag: 'metrics-bind-address', env: 'AGENT_ARMY_METRICS_BIND_ADDRESS' },
  leaderElect: { flag: 'leader-elect', env: 'AGENT_ARMY_LEADER_ELECT' },
  leaseName: { flag: 'leader-election-id', env: 'AGENT_ARMY_LEASE_NAME' },
  leaseNamespace: { flag: 'leader-election-namespace', env: 'POD_NAMESPACE' },
  leaseDurationMs: { flag: 'lease-duration', env: 'AGENT_ARMY_LEASE_DURATION' },
  renewDeadlineMs: { flag: 'renew-deadline', env: 'AGENT_ARMY_RENEW_DEADLINE' },
  retryPeriodMs: { flag: 'retry-period', env: 'AGENT_ARMY_RETRY_PERIOD' },
  logLevel: { flag: 'log-level', env: 'LOG_LEVEL' },
  resyncPeriodMs: { flag: 'resync-period', env: 'AGENT_ARMY_RESYNC_PERIOD' },
  identity: { flag: 'identity', env: 'POD_NAME' },
  metricsAllowlist: { flag: 'metrics-address-allowlist', env: 'AGENT_ARMY_METRICS_ALLOWLIST' },
  defaultPrometheusAddress: { flag: 'default-prometheus-address', env: 'AGENT_ARMY_PROMETHEUS_ADDRESS' },
  metricsMaxAnswerBytes: { flag: 'metrics-max-answer-bytes', env: 'AGENT_ARMY_METRICS_MAX_ANSWER_BYTES' },
  apiTimeoutMs: { flag: 'api-request-timeout', env: 'AGENT_ARMY_API_REQUEST_TIMEOUT' },
  reconcileTimeoutMs: { flag: 'reconcile-timeout', env: 'AGENT_ARMY_RECONCILE_TIMEOUT' },
} as const;

type Field = keyof typeof configSources;

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style duration: `500ms`, `15s`, `1m30s`, `2h`; `0` means zero. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? ''] ?? 0), 0));
}

const duration = (min: number) =>
  z
    .string()
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined)
        ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration like 500ms, 15s or 1m` });
      return ms ?? 0;
    })
    .pipe(z.number().min(min, `must be at least ${min} ms`));

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isHttpURL(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

const httpURLList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().refine(isHttpURL, 'must be comma-separated http(s) URLs without credentials')));

export const configSchema = z
  .object({
    kubeconfig: z.string().min(1).optional(),
    namespaces: z
      .string()
      .default('')
      .transform((s) =>
        s === '*'
          ? []
          : s
              .split(',')
              .map((n) => n.trim())
              .filter(Boolean),
      )
      .pipe(
        z.array(
          z.string().regex(dns1123, 'must be a comma-separated list of namespace names (or * for all)'),
        ),
      ),
    concurrency: integer(1, 256).default(4),
    metricsPort: integer(0, 65535).default(8080),
    metricsBindAddress: z.string().min(1).default('0.0.0.0'),
    leaderElect: bool.default(true),
    leaseName: z.string().regex(dns1123, 'must be a DNS-1123 name').default('agent-army-operator'),
    leaseNamespace: z.string().regex(dns1123, 'must be a namespace name').default('default'),
    leaseDurationMs: duration(1000).default(15_000),
    renewDeadlineMs: duration(1000).default(10_000),
    retryPeriodMs: duration(100).default(2_000),
    logLevel: z.enum(logLevels).default('info'),
    resyncPeriodMs: duration(0).default(600_000),
    identity: z.string().min(1).default(`${hostname()}_${process.pid}`),
    metricsAllowlist: httpURLList,
    defaultPrometheusAddress: z
      .string()
      .refine(isHttpURL, 'must be an http(s) URL without credentials')
      .optional(),
    metricsMaxAnswerBytes: integer(1024, 64 * 1024 * 1024).default(1024 * 1024),
    apiTimeoutMs: duration(1000).default(30_000),
    reconcileTimeoutMs: duration(1000).default(120_000),
  })
  .superRefine((c, ctx) => {
    if (c.leaseDurationMs <= c.renewDeadlineMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['renewDeadlineMs'],
        message: 'must be shorter than the lease duration',
      });
    }
    if (c.renewDeadlineMs <= c.retryPeriodMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['retryPeriodMs'],
        message: 'must be shorter than the renew deadline',
      });
    }
  });

export type OperatorConfig = z.output<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads flags (`--name=value` or `--name value`) and env; throws ConfigError naming each bad input. */
export function loadConfig(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): OperatorConfig {
  const options = Object.fromEntries(
    Object.values(configSources).map((s) => [s.flag, { type: 'string' as const }]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError(`invalid command line: ${err instanceof Error ? err.message : String(err)}`);
  }
  const raw: Partial<Record<Field, string>> = {};
  const origin: Partial<Record<Field, string>> = {};
  for (const [field, src] of Object.entries(configSources) as Array<[Field, (typeof configSources)[Field]]>) {
    const fromFlag = values[src.flag];
    if (typeof fromFlag === 'string') {
      raw[field] = fromFlag;
      origin[field] = `--${src.flag}`;
    } else if (env[src.env] !== undefined && env[src.env] !== '') {
      raw[field] = env[src.env];
      origin[field] = `env ${src.env}`;
    }
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path[0] as Field | undefined;
    const src = field ? configSources[field] : undefined;
    const where = field ? (origin[field] ?? `--${src?.flag} (default)`) : 'configuration';
    const given = field && raw[field] !== undefined ? ` (got "${raw[field]}")` : '';
    return `${where}${given}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}

/** API server access from --kubeconfig/KUBECONFIG, else the in-cluster ServiceAccount, else ~/.kube/config. */
export function createKubeAccess(
  config: Pick<OperatorConfig, 'kubeconfig'>,
  env: NodeJS.ProcessEnv = process.env,
): KubeAccess {
  return kubeAccessFor(config.kubeconfig, env);
}

// pino JSON logger shared by the operator. Secrets are redacted wherever they appear at the top level or
// one/two levels deep (e.g. `headers.authorization`, `config.apiKey`), so a careless `log.info({ req })`
// cannot leak a bearer token or an API key.
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

const secretKeys = ['authorization', 'Authorization', 'token', 'apiKey', 'api_key', 'password', 'secret'];

/** Redaction paths: each secret key at depth 0, 1 and 2. */
export const redactPaths: string[] = secretKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LoggerSettings {
  level?: LogLevel;
  name?: string;
  /** Where JSON lines go; stdout when omitted (tests pass an in-memory stream). */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    // `component`, not pino's `name`: reconcile lines carry the object's `name`, and one key must not
    // hold two meanings (log parsers keep only one of duplicate keys).
    base: { component: settings.name ?? 'agent-army-operator' },
    level: settings.level ?? 'info',
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

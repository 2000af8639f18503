// pino JSON logger shared by the operator. Secrets are redacted wherever they appear, from the top level
// down to four levels deep (e.g. `headers.authorization`, `config.apiKey`), so a careless `log.info({ req })`
// cannot leak a bearer token or an API key.
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

const secretKeys = new Set(['authorization', 'token', 'apikey', 'api_key', 'password', 'secret']);
const CENSOR = '[REDACTED]';
/** How deep into a log object secret keys are looked for (pino's paths would be `*.*.*.*.token`). */
const MAX_DEPTH = 4;

/**
 * The value with everything under a secret key (any case: `Authorization`, `apiKey`) replaced by
 * [REDACTED], at any depth up to MAX_DEPTH, arrays and Errors included. The caller's object is never
 * changed: what must change is copied (with its prototype, so an Error stays an Error), and an object with
 * nothing to redact is returned as is — the common case allocates nothing, where pino's own wildcard
 * redaction copied and walked every log call and every child logger's bindings.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || ArrayBuffer.isView(value)) {
    return value;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = redactSecrets(value[i], depth + 1);
      if (v === value[i]) continue;
      copy ??= value.slice();
      copy[i] = v;
    }
    return (copy ?? value) as T;
  }
  const obj = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const k in obj) {
    if (!Object.hasOwn(obj, k)) continue;
    const v = secretKeys.has(k.toLowerCase()) ? CENSOR : redactSecrets(obj[k], depth + 1);
    if (v === obj[k]) continue;
    copy ??= Object.create(Object.getPrototypeOf(obj), Object.getOwnPropertyDescriptors(obj)) as Record<
      string,
      unknown
    >;
    Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return (copy ?? value) as T;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LoggerSettings {
  level?: LogLevel;
  name?: string;
  /** Where JSON lines go; stdout (asynchronous writes) when omitted; tests pass an in-memory stream. */
  destination?: DestinationStream;
}

/** Bound of the stdout buffer: a stalled log reader costs lines beyond it, not unbounded memory. */
const STDOUT_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * stdout written asynchronously: lines logged while a write is in flight go out together in the next one
 * (pino's default is a synchronous write per line: one system call per reconcile that logs). Whatever is
 * buffered is written synchronously when the process exits, also through process.exit.
 */
function stdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, maxLength: STDOUT_BUFFER_BYTES });
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    // `component`, not pino's `name`: reconcile lines carry the object's `name`, and one key must not
    // hold two meanings (log parsers keep only one of duplicate keys).
    base: { component: settings.name ?? 'agent-army-operator' },
    level: settings.level ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => redactSecrets(obj),
    },
  };
  const logger = pino(options, settings.destination ?? stdout());
  // pino's formatters never see a child logger's bindings; they are redacted here. Children inherit from
  // their parent, so every descendant's child() goes through this one.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

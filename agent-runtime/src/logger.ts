// pino JSON logs. Secrets never reach the output: known secret-bearing fields are redacted by path, and as
// a second line of defence every configured secret value (the API key) is masked wherever it appears in a
// line, for example inside an error message that quotes a request.
import { type DestinationStream, type Logger, pino } from 'pino';

export const REDACTED = '[Redacted]';

export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'OPENAI_API_KEY',
  '*.OPENAI_API_KEY',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers.cookie',
];

export interface LoggerOptions {
  level: string;
  /** Literal values to mask anywhere in a log line (shorter than 8 characters are ignored). */
  secrets?: string[];
  base?: Record<string, unknown>;
  destination?: DestinationStream;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `scheme://user:password@host` → `scheme://[Redacted]@host`, anywhere in a line (a base URL in an error). */
export function maskUrlCredentials(line: string): string {
  // The pattern needs an "@": most lines (every access log line) have none and skip the regex scan.
  if (!line.includes('@')) return line;
  return line.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'\\]+@/gi, `$1${REDACTED}@`);
}

/**
 * pino's isoTime, formatted once per millisecond: at hundreds of lines a second, most lines share their
 * millisecond with the line before, and the Date plus toISOString cost more than the rest of the line.
 */
export function cachedIsoTime(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let last = '';
  return () => {
    const ms = now();
    if (ms !== lastMs) {
      lastMs = ms;
      last = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return last;
  };
}

export function createLogger(opts: LoggerOptions): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 8);
  // A secret may appear JSON-escaped in the serialized line, so mask both spellings.
  const spellings = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  const pattern =
    spellings.length > 0 ? new RegExp([...new Set(spellings)].map(escapeRegExp).join('|'), 'g') : undefined;
  return pino(
    {
      level: opts.level,
      base: opts.base ?? {},
      timestamp: cachedIsoTime(),
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: {
        streamWrite: (line) => {
          const masked = maskUrlCredentials(line);
          return pattern ? masked.replace(pattern, REDACTED) : masked;
        },
      },
    },
    // Lines are gathered up to 4 KiB (or 250 ms) per write: one write per line cost a syscall and two
    // thread-pool hand-offs per request. pino flushes the buffer on exit; main.ts flushes it on SIGTERM.
    opts.destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 }),
  );
}

export type { Logger };

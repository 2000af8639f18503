import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { cachedIsoTime, createLogger, maskUrlCredentials, REDACTED } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

const KEY = 'sk-live-THISISASECRET123456';

describe('createLogger', () => {
  it('writes JSON lines with a string level and the base fields', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', destination, base: { agent: 'a' } }).info({ requestId: 'r1' }, 'hello');
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry).toMatchObject({ level: 'info', agent: 'a', requestId: 'r1', msg: 'hello' });
    expect(typeof entry.time).toBe('string');
  });

  it('redacts Authorization and API-key headers of logged requests', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'debug', destination });
    log.debug({
      req: { headers: { authorization: `Bearer ${KEY}`, 'x-api-key': KEY, 'api-key': KEY, host: 'h' } },
    });
    log.info({ headers: { authorization: 'Bearer abc' } });
    const req = JSON.parse(lines[0] ?? '{}').req.headers;
    expect(req).toEqual({ authorization: REDACTED, 'x-api-key': REDACTED, 'api-key': REDACTED, host: 'h' });
    expect(JSON.parse(lines[1] ?? '{}').headers.authorization).toBe(REDACTED);
  });

  it('redacts apiKey fields', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', destination }).info({
      model: { apiKey: 'abc' },
      apiKey: 'def',
      OPENAI_API_KEY: 'x',
    });
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry.model.apiKey).toBe(REDACTED);
    expect(entry.apiKey).toBe(REDACTED);
    expect(entry.OPENAI_API_KEY).toBe(REDACTED);
  });

  it('masks the configured secret wherever it appears, e.g. inside an error message', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination, secrets: [KEY, 'short'] });
    log.warn({ err: `upstream said: bad key ${KEY}` }, `retrying with ${KEY}`);
    expect(lines.join('\n')).not.toContain(KEY);
    expect(lines[0]).toContain(`bad key ${REDACTED}`);
    // Secrets shorter than 8 characters are not masked (they would blank out ordinary words).
    log.info('a short word');
    expect(lines[1]).toContain('short');
  });

  it('masks credentials in a URL anywhere in a line, keeping the scheme and host', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', destination }).error(
      { baseURL: 'https://alice:s3cr3t-pass@models.internal/v1' },
      'connect failed to http://bob:hunter2@10.0.0.5:8080/v1 and http://plain.host/v1',
    );
    expect(lines[0]).not.toContain('s3cr3t-pass');
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).toContain(`https://${REDACTED}@models.internal/v1`);
    expect(lines[0]).toContain(`http://${REDACTED}@10.0.0.5:8080/v1`);
    expect(lines[0]).toContain('http://plain.host/v1');
  });

  it('leaves a line without an "@" unchanged when masking URL credentials', () => {
    const line = '{"msg":"connect failed to http://plain.host/v1"}';
    expect(maskUrlCredentials(line)).toBe(line);
  });
});

describe('cachedIsoTime', () => {
  it("gives pino's isoTime field for the current millisecond, and a new one when the clock moves", () => {
    let now = Date.UTC(2026, 11, 3, 12, 0, 0, 1);
    const time = cachedIsoTime(() => now);
    const pinoField = (ms: number) => {
      const realNow = Date.now;
      Date.now = () => ms;
      try {
        return pino.stdTimeFunctions.isoTime();
      } finally {
        Date.now = realNow;
      }
    };
    expect(time()).toBe(pinoField(now));
    expect(time()).toBe(pinoField(now));
    now += 1;
    expect(time()).toBe(pinoField(now));
    expect(time()).toBe(',"time":"2026-12-03T12:00:00.002Z"');
  });
});

import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from './logger.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it.each([
    ['a top-level token', { token: 's3cr3t' }, 'token'],
    [
      'a nested authorization header',
      { headers: { authorization: 'Bearer s3cr3t' } },
      'headers.authorization',
    ],
    ['an apiKey two levels deep', { req: { config: { apiKey: 's3cr3t' } } }, 'req.config.apiKey'],
    ['a password in an object', { user: { password: 's3cr3t' } }, 'user.password'],
    ['a key in another case', { headers: { Authorization: 'Bearer s3cr3t' } }, 'headers.Authorization'],
    ['an API key four levels deep', { a: { b: { c: { apiKey: 's3cr3t' } } } }, 'a.b.c.apiKey'],
    ['a token inside an array', { items: [{ name: 'x' }, { token: 's3cr3t' }] }, 'items.1.token'],
  ])('redacts %s', (_name, fields, path) => {
    const out = capture();
    createLogger({ destination: out.stream }).info(fields, 'hello');
    const line = out.lines()[0]!;
    const value = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], line);
    expect(value).toBe('[REDACTED]');
    expect(JSON.stringify(line)).not.toContain('s3cr3t');
  });

  it("redacts a child logger's bindings", () => {
    const out = capture();
    createLogger({ destination: out.stream }).child({ name: 'army', token: 's3cr3t' }).info('hello');
    expect(out.lines()[0]).toMatchObject({ name: 'army', token: '[REDACTED]' });
  });

  it('redacts a secret carried by a logged Error and keeps its message', () => {
    const out = capture();
    const err = Object.assign(new Error('request failed'), { config: { apiKey: 's3cr3t' } });
    createLogger({ destination: out.stream }).error({ err }, 'boom');
    const line = out.lines()[0]!;
    expect(line.err).toMatchObject({ message: 'request failed', config: { apiKey: '[REDACTED]' } });
    expect(JSON.stringify(line)).not.toContain('s3cr3t');
  });

  it("never changes the caller's object, and returns an object without secrets as is", () => {
    const fields = { req: { headers: { authorization: 'Bearer s3cr3t', accept: 'json' } } };
    const redacted = redactSecrets(fields);
    expect(redacted.req.headers).toEqual({ authorization: '[REDACTED]', accept: 'json' });
    expect(fields.req.headers.authorization).toBe('Bearer s3cr3t');
    const clean = { children: ['Deployment/a'], phase: 'Ready' };
    expect(redactSecrets(clean)).toBe(clean);
  });

  it('writes JSON lines with a string level, ISO time and the message', () => {
    const out = capture();
    createLogger({ destination: out.stream, level: 'debug' })
      .child({ kind: 'AgentArmy' })
      .debug('reconciling');
    const line = out.lines()[0]!;
    expect(line).toMatchObject({ level: 'debug', kind: 'AgentArmy', msg: 'reconciling' });
    expect(typeof line.time).toBe('string');
  });

  it('drops messages below the configured level', () => {
    const out = capture();
    createLogger({ destination: out.stream, level: 'warn' }).info('quiet');
    expect(out.lines()).toHaveLength(0);
  });

  it('loses no stdout line when the process exits right after logging (asynchronous writes are flushed)', () => {
    const script = [
      `import { createLogger } from ${JSON.stringify(new URL('./logger.ts', import.meta.url).pathname)};`,
      'const log = createLogger();',
      "for (let i = 0; i < 500; i++) log.info({ i }, 'line');",
      "log.error('last words');",
      'process.exit(3);',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(3);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines).toHaveLength(501);
    expect(lines.at(-1)?.msg).toBe('last words');
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

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
    ['top-level token', { token: 's3cr3t' }, 'token'],
    ['nested authorization header', { headers: { authorization: 'Bearer s3cr3t' } }, 'headers.authorization'],
    ['apiKey two levels deep', { req: { config: { apiKey: 's3cr3t' } } }, 'req.config.apiKey'],
    ['password in an object', { user: { password: 's3cr3t' } }, 'user.password'],
  ])('redacts a %s', (_name, fields, path) => {
    const out = capture();
    createLogger({ destination: out.stream }).info(fields, 'hello');
    const line = out.lines()[0]!;
    const value = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], line);
    expect(value).toBe('[REDACTED]');
    expect(JSON.stringify(line)).not.toContain('s3cr3t');
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
});

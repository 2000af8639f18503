import { describe, expect, it } from 'vitest';
import { hostAllowed, TOKEN_HEADER, writeRefusal } from './guards.js';

const req = (headers: Record<string, string>) => ({ headers });
const good = {
  host: '127.0.0.1:3100',
  origin: 'http://127.0.0.1:3100',
  [TOKEN_HEADER]: 'tok',
  'content-type': 'application/json',
};

describe('hostAllowed', () => {
  it('accepts the loopback names of this port only (no DNS-rebinding host names)', () => {
    expect(hostAllowed(req({ host: '127.0.0.1:3100' }), 3100)).toBe(true);
    expect(hostAllowed(req({ host: 'LOCALHOST:3100' }), 3100)).toBe(true);
    expect(hostAllowed(req({ host: 'evil.example:3100' }), 3100)).toBe(false);
    expect(hostAllowed(req({ host: '127.0.0.1:3101' }), 3100)).toBe(false);
    expect(hostAllowed(req({}), 3100)).toBe(false);
  });
});

describe('writeRefusal', () => {
  it('lets a same-origin JSON write with the page token through', () => {
    expect(writeRefusal(req(good), 3100, 'tok')).toBeUndefined();
  });

  it.each([
    [{ origin: undefined }, 'needs an Origin'],
    [{ origin: 'http://evil.example' }, 'not from http://evil.example'],
    [{ origin: 'http://localhost:3100' }, 'not from http://localhost:3100'],
    [{ [TOKEN_HEADER]: 'nope' }, 'wrong dashboard token'],
    [{ [TOKEN_HEADER]: undefined }, 'wrong dashboard token'],
    [{ 'content-type': 'application/x-www-form-urlencoded' }, 'application/json'],
  ])('refuses %j', (change, message) => {
    const headers: Record<string, string> = { ...good };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete headers[k];
      else headers[k] = v;
    }
    expect(writeRefusal(req(headers), 3100, 'tok')).toContain(message);
  });
});

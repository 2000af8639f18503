import { describe, expect, it } from 'vitest';
import {
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  DURATION_PATTERN,
  duration,
  ENV_NAME_PATTERN,
  HTTP_URL_PATTERN,
  parseDuration,
  QUANTITY_PATTERN,
  Quantity,
  SEMVER_PATTERN,
  semver,
} from './common.js';
import { CONDITION_REASON_PATTERN, CONDITION_TYPE_PATTERN } from './conditions.js';
import { re2Problem } from './openapi.js';

describe('semver', () => {
  it.each(['1.0.0', '0.0.1', '10.20.30', '1.1.2-prerelease+meta', '1.0.0-alpha.1', '1.0.0+20130313144700'])(
    'accepts %s',
    (v) => expect(semver().safeParse(v).success).toBe(true),
  );
  it.each(['1.0', 'v1.0.0', '01.0.0', '1.0.0-', '1.0.0-01', '1.0.0+', '1.0.0 ', 'latest'])(
    'rejects %s',
    (v) => expect(semver().safeParse(v).success).toBe(false),
  );
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2m30s', 150_000],
  ])('parses %s as %i ms', (text, ms) => {
    expect(duration().safeParse(text).success).toBe(true);
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['', '5', 'm', '5d', '1h 30m', '-5s', 'PT5M', '5 s'])('rejects "%s"', (text) => {
    expect(duration().safeParse(text).success).toBe(false);
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});

describe('quantities (int-or-string)', () => {
  it.each([2, '500m', '256Mi', '1.5', '1e3', '2Gi'])('accepts %s', (q) =>
    expect(Quantity.safeParse(q).success).toBe(true),
  );
  it.each(['lots', '256MB', '', -1, 1.5])('rejects %s', (q) =>
    expect(Quantity.safeParse(q).success).toBe(false),
  );
});

describe('patterns', () => {
  const patterns = {
    DNS_LABEL_PATTERN,
    DNS_SUBDOMAIN_PATTERN,
    SEMVER_PATTERN,
    DURATION_PATTERN,
    QUANTITY_PATTERN,
    HTTP_URL_PATTERN,
    ENV_NAME_PATTERN,
    CONDITION_TYPE_PATTERN,
    CONDITION_REASON_PATTERN,
  };
  it.each(Object.entries(patterns))('%s is RE2-safe', (_name, re) =>
    expect(re2Problem(re.source)).toBeUndefined(),
  );

  it('re2Problem flags lookarounds and backreferences', () => {
    expect(re2Problem('^(?!v)[0-9]+$')).toMatch(/lookaround/);
    expect(re2Problem('^(?<=a)b$')).toMatch(/lookaround/);
    expect(re2Problem('^(a)\\1$')).toMatch(/backreference/);
  });

  it('HTTP_URL_PATTERN wants an http(s) URL with a host', () => {
    expect(HTTP_URL_PATTERN.test('http://prometheus.monitoring:9090')).toBe(true);
    expect(HTTP_URL_PATTERN.test('https://api.example.com/v1')).toBe(true);
    expect(HTTP_URL_PATTERN.test('ftp://x')).toBe(false);
    expect(HTTP_URL_PATTERN.test('http:///path')).toBe(false);
  });
});

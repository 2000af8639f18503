import { describe, expect, it } from 'vitest';
import { escapeRegex, escapeStringValue, promqlDuration, renderQuery, TemplateError } from './template.js';

const vars = { namespace: 'team-a', agent: 'orchestrator', version: '1.1.0', track: 'canary', window: '2m' };

describe('renderQuery', () => {
  it('fills every placeholder, with optional spaces inside the braces', () => {
    const q = renderQuery(
      'sum(rate(x{namespace="{{namespace}}", agent="{{ agent }}", version="{{version}}", track="{{track}}"}[{{window}}]))',
      vars,
    );
    expect(q).toBe(
      'sum(rate(x{namespace="team-a", agent="orchestrator", version="1.1.0", track="canary"}[2m]))',
    );
  });

  it.each([
    ['a double quote and a matcher', '1.0.0", version=~".*', 'x{version="1.0.0\\", version=~\\".*"}'],
    [
      'a closing brace and a second selector',
      '1"} or vector(1) or x{a="',
      'x{version="1\\"} or vector(1) or x{a=\\""}',
    ],
    ['a backslash before the quote', '1\\"} or vector(1) #', 'x{version="1\\\\\\"} or vector(1) #"}'],
    ['a newline that would start a new line', '1"\nor vector(1)', 'x{version="1\\"\\nor vector(1)"}'],
    ['other control characters', 'a\u0000b\u007f', 'x{version="a\\u0000b\\u007f"}'],
  ])('escapes %s inside a "…" label value', (_what, version, expected) => {
    expect(renderQuery('x{version="{{version}}"}', { ...vars, version })).toBe(expected);
  });

  it("escapes a single quote (and only it) inside a '…' label value", () => {
    expect(renderQuery("x{version='{{version}}'}", { ...vars, version: `1'"} or` })).toBe(
      `x{version='1\\'"} or'}`,
    );
  });

  it('escapes regex metacharacters after =~ and !~ so the value matches only itself', () => {
    expect(
      renderQuery('x{version=~"{{version}}", agent!~ "{{agent}}"}', {
        ...vars,
        version: '1.0.0|.*',
        agent: 'a+',
      }),
    ).toBe('x{version=~"1\\\\.0\\\\.0\\\\|\\\\.\\\\*", agent!~ "a\\\\+"}');
    expect(escapeRegex('a.b*(c)')).toBe('a\\.b\\*\\(c\\)');
  });

  it('does not regex-escape a plain = matcher', () => {
    expect(renderQuery('x{version="{{version}}"}', { ...vars, version: '1.0.0' })).toBe('x{version="1.0.0"}');
  });

  it('refuses a backtick in a value used inside a `raw` string', () => {
    expect(renderQuery('x{version=`{{version}}`}', vars)).toBe('x{version=`1.1.0`}');
    expect(() => renderQuery('x{version=`{{version}}`}', { ...vars, version: '1`} or vector(1) #' })).toThrow(
      /\{\{version\}\} contains a backtick/,
    );
  });

  it('refuses a label placeholder outside quotes (it would be raw PromQL)', () => {
    expect(() => renderQuery('x{version={{version}}}', vars)).toThrow(
      /\{\{version\}\} must be inside a quoted label value/,
    );
  });

  it('keeps a value inside a # comment on the comment line', () => {
    expect(renderQuery('x # for {{version}}\n+ 1', { ...vars, version: 'a\nvector(1)' })).toBe(
      'x # for a vector(1)\n+ 1',
    );
  });

  it('tracks string boundaries: an escaped quote in the template does not end the string', () => {
    expect(renderQuery('x{a="say \\"hi\\" {{version}}"}', { ...vars, version: '"' })).toBe(
      'x{a="say \\"hi\\" \\""}',
    );
  });

  it.each([
    ['an unknown placeholder, naming it', 'x{a="{{pod}}"}', /unknown placeholder \{\{pod\}\}/],
    ['an unclosed placeholder', 'x{a="{{version"}', /unclosed placeholder/],
    ['an unterminated string', 'x{a="{{version}}}', /unterminated string/],
    ['a placeholder right after a backslash', 'x{a="\\{{version}}"}', /must not follow a backslash/],
  ])('throws a TemplateError for %s', (_what, template, message) => {
    expect(() => renderQuery(template, vars)).toThrow(TemplateError);
    expect(() => renderQuery(template, vars)).toThrow(message);
  });

  it.each(['namespace', 'agent', 'version', 'track'] as const)(
    'refuses an empty {{%s}} (it would match series without the label)',
    (name) => {
      expect(() => renderQuery(`x{${name}="{{${name}}}"}`, { ...vars, [name]: '' })).toThrow(
        new RegExp(`\\{\\{${name}\\}\\} is empty`),
      );
    },
  );

  it('refuses a window that is not a duration, naming {{window}}', () => {
    expect(() => renderQuery('rate(x[{{window}}])', { ...vars, window: '5m] or vector(1) #' })).toThrow(
      /\{\{window\}\}: invalid duration/,
    );
  });
});

describe('promqlDuration', () => {
  it.each([
    ['30s', '30s'],
    ['5m', '5m'],
    ['1h30m', '90m'],
    ['1.5m', '90s'],
    ['2h', '2h'],
    ['1500ms', '1500ms'],
  ])('turns %s into the PromQL duration %s', (input, expected) => {
    expect(promqlDuration(input)).toBe(expected);
  });

  it.each(['0s', '5 m', '5d', ''])('rejects %j', (input) => {
    expect(() => promqlDuration(input)).toThrow(TemplateError);
  });
});

describe('escapeStringValue', () => {
  it('escapes the chosen quote only, so Go unquoting accepts the result', () => {
    expect(escapeStringValue(`a"b'c`, '"')).toBe(`a\\"b'c`);
    expect(escapeStringValue(`a"b'c`, "'")).toBe(`a"b\\'c`);
  });
});

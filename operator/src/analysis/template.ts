// Query templating. Placeholders {{namespace}} {{agent}} {{version}} {{track}} {{window}} are replaced
// with values escaped for the place they appear in, found by a small PromQL lexer:
// - inside a "…" or '…' string: backslash, the quote and control characters are escaped; inside a
//   string that follows a regex matcher (=~, !~) regex metacharacters are escaped too, so a version
//   "1.0.0" matches only itself;
// - inside a `…` raw string: a value containing a backtick is refused (raw strings cannot escape it);
// - outside strings: only {{window}} is allowed (it is a validated PromQL duration); a label placeholder
//   there would be raw PromQL and is refused;
// - inside a # comment: line breaks are replaced by spaces so the value cannot end the comment.
// Empty label values are refused: `version=""` would match series that have no version label at all.
import { PLACEHOLDERS, parseDuration } from '../api/v1alpha1/index.js';

export type Placeholder = (typeof PLACEHOLDERS)[number];
export type QueryVars = Record<Placeholder, string>;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const PROMQL_DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const UNITS: Array<[string, number]> = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** An analysis window ("90s", "1.5m", "1h30m") as a PromQL range duration ("90s", "90s", "90m"). */
export function promqlDuration(window: string): string {
  let ms: number;
  try {
    ms = parseDuration(window);
  } catch (err) {
    throw new TemplateError(`{{window}}: ${(err as Error).message}`);
  }
  if (ms <= 0) throw new TemplateError(`{{window}}: window "${window}" must be longer than 0`);
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  const out = `${ms / size}${unit}`;
  if (!PROMQL_DURATION.test(out)) throw new TemplateError(`{{window}}: "${window}" is not a PromQL duration`);
  return out;
}

/** Escapes a value for a PromQL string quoted with `quote` (" or '), following Go's unquoting rules. */
export function escapeStringValue(value: string, quote: '"' | "'" = '"'): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** Escapes RE2 metacharacters so the value matches only itself inside a =~ / !~ matcher. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

type Context = 'code' | 'double' | 'single' | 'raw' | 'comment';

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** True when the text before a string literal ends with a regex matcher (=~ or !~). */
function followsRegexMatcher(before: string): boolean {
  return /[=!]~\s*$/.test(before);
}

function substitute(name: Placeholder, raw: string, ctx: Context, regex: boolean): string {
  if (ctx === 'code') {
    if (name !== 'window') {
      throw new TemplateError(`{{${name}}} must be inside a quoted label value, e.g. ${name}="{{${name}}}"`);
    }
    return raw;
  }
  if (ctx === 'comment') return raw.replace(/[\r\n\u2028\u2029]/g, ' ');
  const value = regex ? escapeRegex(raw) : raw;
  if (ctx === 'raw') {
    if (value.includes('`'))
      throw new TemplateError(`{{${name}}} contains a backtick and is used in a \`raw\` string`);
    return value;
  }
  return escapeStringValue(value, ctx === 'double' ? '"' : "'");
}

/**
 * Fills the placeholders of `template`. Throws TemplateError naming the placeholder on an unknown or
 * unclosed placeholder, an empty label value, an invalid window, or a placeholder in a place where its
 * value cannot be escaped.
 */
export function renderQuery(template: string, vars: QueryVars): string {
  const values: Partial<Record<Placeholder, string>> = {};
  const resolve = (name: Placeholder): string => {
    const cached = values[name];
    if (cached !== undefined) return cached;
    const raw = vars[name];
    if (name !== 'window' && raw.length === 0) {
      throw new TemplateError(
        `{{${name}}} is empty; an empty label value would match series without the label`,
      );
    }
    const value = name === 'window' ? promqlDuration(raw) : raw;
    values[name] = value;
    return value;
  };

  let out = '';
  let ctx: Context = 'code';
  let regex = false;
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('{{', i)) {
      const end = template.indexOf('}}', i + 2);
      if (end < 0) throw new TemplateError(`unclosed placeholder "${template.slice(i, i + 20)}"`);
      const name = template.slice(i + 2, end).trim();
      if (!isPlaceholder(name)) {
        throw new TemplateError(`unknown placeholder {{${name}}} (known: ${PLACEHOLDERS.join(', ')})`);
      }
      out += substitute(name, resolve(name), ctx, regex);
      i = end + 2;
      continue;
    }
    const ch = template[i] ?? '';
    out += ch;
    i += 1;
    switch (ctx) {
      case 'code':
        if (ch === '"' || ch === "'" || ch === '`') {
          regex = followsRegexMatcher(out.slice(0, -1));
          ctx = ch === '"' ? 'double' : ch === "'" ? 'single' : 'raw';
        } else if (ch === '#') ctx = 'comment';
        break;
      case 'double':
      case 'single':
        if (ch === '\\') {
          if (template.startsWith('{{', i))
            throw new TemplateError('a placeholder must not follow a backslash');
          out += template[i] ?? '';
          i += 1;
        } else if (ch === (ctx === 'double' ? '"' : "'")) ctx = 'code';
        break;
      case 'raw':
        if (ch === '`') ctx = 'code';
        break;
      case 'comment':
        if (ch === '\n') ctx = 'code';
        break;
    }
  }
  if (ctx === 'double' || ctx === 'single' || ctx === 'raw') {
    throw new TemplateError('query has an unterminated string literal');
  }
  return out;
}

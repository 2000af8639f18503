// HTML built from tagged templates: every interpolated value is escaped unless it is already Html, so page
// code cannot forget to escape a name, a message or a prompt that came from the cluster.

/** A piece of markup that is safe to insert as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text escaped for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: Interpolation): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** html`<p>${text}</p>`: interpolations are escaped; Html values and arrays of them are inserted as is. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup produced elsewhere and known to be safe (only for constants of this package). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** A JSON value for a data-* attribute (escaped by html`` like any string). */
export function jsonAttr(value: unknown): string {
  return JSON.stringify(value);
}

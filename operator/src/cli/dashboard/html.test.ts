import { describe, expect, it } from 'vitest';
import { escapeHtml, html, jsonAttr } from './html.js';

describe('html templates', () => {
  it('escapes interpolated text so cluster data cannot inject markup', () => {
    const name = '<img src=x onerror="alert(1)">';
    expect(html`<td title="${name}">${name}</td>`.value).toBe(
      '<td title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</td>',
    );
  });

  it('inserts nested Html and arrays of it as is, and drops null, undefined and false', () => {
    const items = ['a&b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}${null}${undefined}${false}</ul>`.value).toBe(
      '<ul><li>a&amp;b</li><li>c</li></ul>',
    );
    expect(html`<p>${0} ${true}</p>`.value).toBe('<p>0 true</p>');
  });

  it('escapes JSON for an attribute', () => {
    const attr = jsonAttr({ q: 'say "hi" </script>' });
    expect(html`<div data-x="${attr}"></div>`.value).toBe(
      '<div data-x="{&quot;q&quot;:&quot;say \\&quot;hi\\&quot; &lt;/script&gt;&quot;}"></div>',
    );
    expect(escapeHtml("'")).toBe('&#39;');
  });
});

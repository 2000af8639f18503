import { describe, expect, it } from 'vitest';
import { withoutManagedFields } from './managed-fields.js';

const mf = '[{"manager":"kcm","fieldsV1":{"f:spec":{"k:{\\"name\\":\\"a]\\"}":{}}},"note":"x\\"]}"}]';

describe('withoutManagedFields', () => {
  it.each([
    [
      'a member in the middle',
      `{"metadata":{"name":"a","managedFields":${mf},"uid":"u"}}`,
      { metadata: { name: 'a', uid: 'u' } },
    ],
    ['the last member', `{"metadata":{"name":"a","managedFields":${mf}}}`, { metadata: { name: 'a' } }],
    ['the first member', `{"metadata":{"managedFields":${mf},"name":"a"}}`, { metadata: { name: 'a' } }],
    ['the only member', `{"metadata":{"managedFields":${mf}}}`, { metadata: {} }],
    [
      'every item of a list',
      `{"items":[{"metadata":{"name":"a","managedFields":${mf}}},{"metadata":{"managedFields":${mf},"name":"b"}}]}`,
      { items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] },
    ],
    [
      'nothing inside a string value',
      '{"data":{"k":"\\"managedFields\\":[1]"},"metadata":{"name":"a"}}',
      { data: { k: '"managedFields":[1]' }, metadata: { name: 'a' } },
    ],
    ['nothing when it is absent', '{"metadata":{"name":"a"}}', { metadata: { name: 'a' } }],
  ])('removes %s, leaving valid JSON', (_what, text, expected) => {
    expect(JSON.parse(withoutManagedFields(text))).toEqual(expected);
  });

  it('leaves text it cannot follow (an unterminated array, a non-array value) as it was', () => {
    for (const text of ['{"metadata":{"managedFields":[{"a":1}', '{"managedFields":"text","b":1}']) {
      expect(withoutManagedFields(text)).toBe(text);
    }
  });

  it('returns the same string when there is nothing to remove', () => {
    const text = '{"metadata":{"name":"a"}}';
    expect(withoutManagedFields(text)).toBe(text);
  });
});

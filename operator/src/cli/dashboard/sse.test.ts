import { describe, expect, it } from 'vitest';
import { formatSse, sseComment } from './sse.js';

describe('formatSse', () => {
  it('frames a named event with one data line per line of payload and a closing blank line', () => {
    expect(formatSse({ event: 'region', data: '{"a":1}' })).toBe('event: region\ndata: {"a":1}\n\n');
    expect(formatSse({ data: 'one\ntwo\r\nthree\rfour' })).toBe(
      'data: one\ndata: two\ndata: three\ndata: four\n\n',
    );
  });

  it('writes id and retry before the data, and an empty payload as one empty data line', () => {
    expect(formatSse({ event: 'hello', data: '', id: '7', retry: 1500.7 })).toBe(
      'event: hello\nid: 7\nretry: 1500\ndata: \n\n',
    );
  });

  it('refuses an event name or id that would break the framing', () => {
    expect(() => formatSse({ event: 'a\nb', data: '' })).toThrow('event name');
    expect(() => formatSse({ id: 'x\ny', data: '' })).toThrow('id');
  });

  it('keeps comments on one line', () => {
    expect(sseComment('keep\nalive')).toBe(': keep alive\n\n');
  });
});

import { describe, expect, it } from 'vitest';
import { findDrift, sameModel } from './model-identity.js';
import { interpretVectorResponse } from './prometheus-response.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const served = (model: string, value: number) => ({ labels: { served_model: model }, value });

describe('sameModel', () => {
  it.each([
    ['gpt-4o-mini', 'gpt-4o-mini', true],
    ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', true],
    ['gpt-4', 'gpt-4-0613', true],
    ['gpt-4o', 'gpt-4o-mini', false],
    ['gpt-4o', 'gpt-4o-mini-2024-07-18', false],
    ['agent-model', 'agent-model-b', false],
    ['agent-model', 'other-model', false],
  ])('asked %s, served %s → same %s', (asked, s, same) => {
    expect(sameModel(asked, s)).toBe(same);
  });
});

describe('findDrift', () => {
  it('is undefined when every call was served by the asked model (or there were none)', () => {
    expect(findDrift('m', [served('m', 10), served('m-2024-01-01', 3)], NOW)).toBeUndefined();
    expect(findDrift('m', [], NOW)).toBeUndefined();
    expect(findDrift('m', [served('other', 0)], NOW)).toBeUndefined();
  });

  it('names the other model that served the most calls in the window', () => {
    const d = findDrift('m', [served('m', 10), served('x', 2), served('y', 7.456)], NOW);
    expect(d).toEqual({
      askedModel: 'm',
      servedModel: 'y',
      servedCalls: 7.46,
      detectedAt: '2026-12-01T10:00:00Z',
    });
  });
});

describe('interpretVectorResponse', () => {
  it('returns the labelled values of a vector, leaving out NaN samples', () => {
    const body = {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { served_model: 'a' }, value: [1, '3'] },
          { metric: { served_model: 'b' }, value: [1, 'NaN'] },
        ],
      },
    };
    expect(interpretVectorResponse(body)).toEqual([served('a', 3)]);
  });

  it('refuses a scalar and reports a query error', () => {
    expect(() =>
      interpretVectorResponse({ status: 'success', data: { resultType: 'scalar', result: [1, '1'] } }),
    ).toThrow(/vector/);
    expect(() => interpretVectorResponse({ status: 'error', errorType: 'bad_data', error: 'parse' })).toThrow(
      /bad_data: parse/,
    );
  });
});

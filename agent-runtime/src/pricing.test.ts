import { describe, expect, it } from 'vitest';
import { costUsd, resolvePrice } from './pricing.js';

describe('resolvePrice', () => {
  it('prefers the env price, then the agent file, then the built-in table', () => {
    const file = { 'gpt-4o-mini': { inputPerMillion: 9, outputPerMillion: 9 } };
    expect(resolvePrice('gpt-4o-mini', { input: 1, output: 2 }, file)).toEqual({ input: 1, output: 2 });
    expect(resolvePrice('gpt-4o-mini', undefined, file)).toEqual({ input: 9, output: 9 });
    expect(resolvePrice('gpt-4o-mini', undefined, {})).toEqual({ input: 0.15, output: 0.6 });
  });

  it('matches a dated snapshot to the longest known prefix', () => {
    expect(resolvePrice('gpt-4o-mini-2024-07-18', undefined, {})).toEqual({ input: 0.15, output: 0.6 });
    expect(resolvePrice('gpt-4o-2024-08-06', undefined, {})).toEqual({ input: 2.5, output: 10 });
  });

  it('returns undefined for an unknown model', () => {
    expect(resolvePrice('my-local-llama', undefined, {})).toBeUndefined();
  });
});

describe('costUsd', () => {
  it('charges prompt and completion tokens at their per-million prices', () => {
    expect(costUsd({ input: 2, output: 8 }, 1_000, 500)).toBeCloseTo(0.002 + 0.004, 12);
  });
});

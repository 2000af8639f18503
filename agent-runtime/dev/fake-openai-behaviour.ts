// The random parts of the fake upstream: a seedable RNG, latency sampling, the per-request fate, and a
// rough token count (about four characters per token, like OpenAI's rule of thumb).
import type { ModelBehaviour } from './fake-openai-config.js';

/** mulberry32: small, fast, good enough to make a test run reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sampleLatencyMs(latency: ModelBehaviour['latencyMs'], random: () => number): number {
  if (typeof latency === 'number') return latency;
  if ('min' in latency) return latency.min + (latency.max - latency.min) * random();
  // Box-Muller transform; 1 - random() keeps the log argument in (0, 1].
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(0, latency.mean + latency.stddev * z);
}

export type Fate = 'ok' | 'error' | 'hang';

/** One draw decides the request's fate: [0, errorRate) error, then hangRate hang, the rest ok. */
export function decideFate(b: Pick<ModelBehaviour, 'errorRate' | 'hangRate'>, random: () => number): Fate {
  const r = random();
  if (r < b.errorRate) return 'error';
  if (r < b.errorRate + b.hangRate) return 'hang';
  return 'ok';
}

export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** Prompt tokens: the text of every message plus a small per-message overhead. */
export function promptTokens(messages: ReadonlyArray<{ content?: unknown }>): number {
  let total = 3;
  for (const m of messages)
    total += 4 + estimateTokens(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''));
  return total;
}

import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { decideFate, sampleLatencyMs, seededRandom } from './fake-openai-behaviour.js';
import { type FakeConfigInput, loadFakeConfig, parseFakeConfig } from './fake-openai-config.js';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai-server.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(config: FakeConfigInput) {
  fake = await startFakeOpenAI({ config: parseFakeConfig(config) });
  const client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-test-key', maxRetries: 0, timeout: 2000 });
  return { fake, client };
}

const ask = [{ role: 'user' as const, content: 'how are you today' }];

describe('fake OpenAI upstream through the openai SDK', () => {
  it('answers a chat completion with an echo and usage tokens', async () => {
    const { client } = await start({ models: { good: {} } });
    const res = await client.chat.completions.create({ model: 'good', messages: ask });
    expect(res.choices[0]?.message.content).toBe('Echo: how are you today');
    expect(res.model).toBe('good');
    expect(res.usage).toEqual({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
  });

  it('streams chat.completion.chunk events and a final usage chunk', async () => {
    const { client } = await start({ models: { good: { reply: 'one two three' } } });
    const stream = await client.chat.completions.create({
      model: 'good',
      messages: ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta.content) pieces.push(c.delta.content);
      if (c?.finish_reason) finish = c.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces).toEqual(['one ', 'two ', 'three']);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(4);
  });

  it('lists the configured models', async () => {
    const { client } = await start({ models: { a: {}, b: {}, '*': {} } });
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(['a', 'b']);
  });

  it('answers 404 for an unknown model unless "*" is configured', async () => {
    const { client } = await start({ models: { a: {} } });
    await expect(client.chat.completions.create({ model: 'zzz', messages: ask })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });

  it('fails with the configured status and tells the SDK not to retry when retryable is false', async () => {
    const { client, fake } = await start({
      models: { bad: { errorRate: 1, errorStatus: 503, retryable: false } },
    });
    const retrying = new OpenAI({ baseURL: fake.baseURL, apiKey: 'k', maxRetries: 3 });
    await expect(retrying.chat.completions.create({ model: 'bad', messages: ask })).rejects.toMatchObject({
      status: 503,
    });
    expect(fake.stats()['bad']).toEqual({ requests: 1, ok: 0, errors: 1, hangs: 0 });
    await expect(client.chat.completions.create({ model: 'bad', messages: ask })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
  });

  it('hangs so the caller times out', async () => {
    const { fake } = await start({ models: { slow: { hangRate: 1 } } });
    const client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'k', maxRetries: 0, timeout: 150 });
    await expect(client.chat.completions.create({ model: 'slow', messages: ask })).rejects.toBeInstanceOf(
      OpenAI.APIConnectionTimeoutError,
    );
    expect(fake.stats()['slow']?.hangs).toBe(1);
  });

  it('waits the configured latency', async () => {
    const { client } = await start({ models: { m: { latencyMs: 120 } } });
    const t0 = performance.now();
    await client.chat.completions.create({ model: 'm', messages: ask });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(115);
  });

  it('fails a seeded share of requests reproducibly', async () => {
    const outcomes = async () => {
      const { client } = await start({ seed: 7, models: { flaky: { errorRate: 0.3, retryable: false } } });
      const seen: string[] = [];
      for (let i = 0; i < 40; i++) {
        seen.push(
          await client.chat.completions.create({ model: 'flaky', messages: ask }).then(
            () => 'ok',
            () => 'err',
          ),
        );
      }
      await fake?.close();
      fake = undefined;
      return seen;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    const errors = first.filter((o) => o === 'err').length;
    expect(errors).toBeGreaterThan(4);
    expect(errors).toBeLessThan(20);
  });

  it('requires the API key when one is configured', async () => {
    const { fake } = await start({ apiKey: 'sk-right', models: { m: {} } });
    const wrong = new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'm', messages: ask })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const right = new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-right', maxRetries: 0 });
    await expect(right.chat.completions.create({ model: 'm', messages: ask })).resolves.toBeDefined();
  });
});

describe('fake OpenAI behaviour', () => {
  it('samples uniform and normal latencies within their shape', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 200; i++) {
      const u = sampleLatencyMs({ min: 10, max: 20 }, random);
      expect(u).toBeGreaterThanOrEqual(10);
      expect(u).toBeLessThanOrEqual(20);
      expect(sampleLatencyMs({ mean: 5, stddev: 50 }, random)).toBeGreaterThanOrEqual(0);
    }
    const normals = Array.from({ length: 2000 }, () => sampleLatencyMs({ mean: 100, stddev: 10 }, random));
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    expect(mean).toBeGreaterThan(98);
    expect(mean).toBeLessThan(102);
  });

  it('splits fates by errorRate then hangRate', () => {
    const b = parseFakeConfig({ models: { m: { errorRate: 0.25, hangRate: 0.25 } } }).models['m']!;
    const fates = [0.1, 0.3, 0.6].map((r) => decideFate(b, () => r));
    expect(fates).toEqual(['error', 'hang', 'ok']);
  });

  it('rejects configs with a clear path', () => {
    expect(() => parseFakeConfig({ models: { m: { errorRate: 2 } } })).toThrow(/models\.m\.errorRate/);
    expect(() => parseFakeConfig({ models: { m: { errorRate: 0.6, hangRate: 0.6 } } })).toThrow(
      /must not exceed 1/,
    );
    expect(() => parseFakeConfig({ models: { m: { latencyMs: { min: 5, max: 1 } } } })).toThrow(
      /max must be >= min/,
    );
  });

  it('reads inline JSON config', () => {
    expect(loadFakeConfig('{"seed": 3, "models": {"x": {"latencyMs": 4}}}').models['x']?.latencyMs).toBe(4);
  });
});

describe('fake upstream: behaviour changed over HTTP', () => {
  let fake: FakeOpenAI | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('PUT /_models/<name> makes a healthy model fail from that moment, and a bad body names the field', async () => {
    fake = await startFakeOpenAI({ config: parseFakeConfig({ models: { m: {} } }) });
    const call = () =>
      fetch(`${fake?.baseURL}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      }).then((r) => r.status);
    expect(await call()).toBe(200);
    const put = await fetch(`${fake.url}/_models/m`, {
      method: 'PUT',
      body: JSON.stringify({ errorRate: 1, retryable: false }),
    });
    expect(put.status).toBe(200);
    expect(await call()).toBe(500);
    const bad = await fetch(`${fake.url}/_models/m`, {
      method: 'PUT',
      body: JSON.stringify({ errorRate: 2 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('errorRate');
    expect(await call()).toBe(500);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, hello, startHarness, TEST_API_KEY } from '../dev/runtime-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('runtime HTTP API', () => {
  it('answers an invoke with id, output, model and usage, echoing the request id', async () => {
    h = await startHarness({ models: { good: {} } });
    const res = await h.invoke(hello, { 'x-request-id': 'req-123' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(await res.json()).toEqual({
      id: 'req-123',
      output: 'Echo: hello',
      model: 'good',
      usage: { promptTokens: 9, completionTokens: 3, totalTokens: 12 },
      finishReason: 'stop',
    });
    expect(await h.metric('agent_requests_total', 'outcome="success"')).toBe(1);
    expect(await h.metric('agent_tokens_total', 'type="prompt"')).toBe(9);
  });

  it('prepends the agent file prompt as a system message and prices the tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-'));
    const file = join(dir, 'agent.yaml');
    writeFileSync(
      file,
      'prompt: Be brief.\npricing: { good: { inputPerMillion: 1000, outputPerMillion: 2000 } }\n',
    );
    h = await startHarness({ models: { good: {} } }, { AGENT_CONFIG_FILE: file });
    const body = (await (await h.invoke(hello)).json()) as { usage: { promptTokens: number } };
    // 9 tokens for the user turn alone, plus 4 overhead + 3 text tokens for "Be brief.".
    expect(body.usage.promptTokens).toBe(16);
    expect(await h.metric('agent_cost_usd_total')).toBeCloseTo((16 * 1000 + 3 * 2000) / 1e6, 9);
  });

  it('streams deltas and a done event over SSE', async () => {
    h = await startHarness({ models: { good: { reply: 'a b c' } } });
    const res = await h.invoke({ ...hello, stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text())
      .trim()
      .split('\n\n')
      .map((block) => {
        const [ev, data] = block.split('\n');
        return {
          event: ev?.slice('event: '.length),
          data: JSON.parse(data?.slice('data: '.length) ?? 'null'),
        };
      });
    expect(events.filter((e) => e.event === 'delta').map((e) => e.data.content)).toEqual(['a ', 'b ', 'c']);
    expect(events.at(-1)).toMatchObject({
      event: 'done',
      data: { model: 'good', usage: { completionTokens: 2 } },
    });
    expect(await h.metric('agent_tokens_total', 'type="completion"')).toBe(2);
    expect(await h.metric('agent_requests_total', 'outcome="success"')).toBe(1);
  });

  it('answers 400 with the parser reason for malformed JSON', async () => {
    h = await startHarness({ models: { good: {} } });
    const res = await h.invoke('{"messages": [');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_json');
    expect(body.error.message).toMatch(/not valid JSON: .+/);
    expect(await h.metric('agent_requests_total', 'outcome="invalid"')).toBe(1);
  });

  it('answers 400 naming the bad field of a well-formed request', async () => {
    h = await startHarness({ models: { good: {} } });
    const res = await h.invoke({ messages: [{ role: 'robot', content: 'x' }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^messages\.0\.role: /,
    );
    expect((await h.invoke({ messages: [] })).status).toBe(400);
  });

  it('answers 413 for a body over MAX_BODY_BYTES', async () => {
    h = await startHarness({ models: { good: {} } }, { MAX_BODY_BYTES: '1024' });
    const res = await h.invoke({ messages: [{ role: 'user', content: 'x'.repeat(2000) }] });
    expect(res.status).toBe(413);
    expect(await h.metric('agent_requests_total', 'outcome="invalid"')).toBe(1);
  });

  it('answers 404 for unknown paths and 405 with Allow for a wrong method', async () => {
    h = await startHarness({ models: { good: {} } });
    expect((await fetch(`${h.url}/nope`)).status).toBe(404);
    const res = await fetch(`${h.url}/v1/invoke`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('reports version, model, uptime, breaker and in-flight on /healthz and is ready', async () => {
    h = await startHarness({ models: { good: {} } }, { POD_NAMESPACE: 'ns1', AGENT_TRACK: 'canary' });
    expect((await fetch(`${h.url}/livez`)).status).toBe(200);
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${h.url}/healthz`)).json()).toMatchObject({
      status: 'ok',
      agent: 'orchestrator',
      version: '1.0.0',
      track: 'canary',
      namespace: 'ns1',
      model: 'good',
      breaker: { state: 'closed', consecutiveFailures: 0 },
      inFlight: 0,
      draining: false,
    });
  });

  it('never logs the API key or Authorization header, nor prompts by default', async () => {
    h = await startHarness({ models: { good: {} } }, { LOG_LEVEL: 'debug' });
    await h.invoke(
      { messages: [{ role: 'user', content: 'my secret question' }] },
      {
        authorization: 'Bearer caller-token-abcdef',
      },
    );
    const text = h.logs.join('\n');
    expect(text).toContain('"authorization":"[Redacted]"');
    expect(text).not.toContain('caller-token-abcdef');
    expect(text).not.toContain(TEST_API_KEY);
    expect(text).not.toContain('my secret question');
    expect(text).toContain('"msg":"invoke"');
  });

  it('logs prompts and answers only when LOG_PROMPTS is on', async () => {
    h = await startHarness({ models: { good: {} } }, { LOG_PROMPTS: 'true' });
    await h.invoke({ messages: [{ role: 'user', content: 'visible question' }] });
    const line = h.logs.find((l) => l.includes('"msg":"invoke"')) ?? '';
    expect(JSON.parse(line)).toMatchObject({
      messages: [{ role: 'user', content: 'visible question' }],
      output: 'Echo: visible question',
      outcome: 'success',
    });
  });
});

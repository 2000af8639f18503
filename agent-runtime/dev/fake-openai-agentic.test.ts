import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeReply, replyText, servedModel, toolCallsFor } from './fake-openai-answer.js';
import { type FakeConfigInput, parseFakeConfig } from './fake-openai-config.js';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai-server.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(config: FakeConfigInput) {
  fake = await startFakeOpenAI({ config: parseFakeConfig(config) });
  return new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-test-key', maxRetries: 0, timeout: 2000 });
}

const lookupTool = { type: 'function' as const, function: { name: 'lookup_order' } };
const behaviour = (b: object) => parseFakeConfig({ models: { m: b } }).models['m']!;

describe('fake upstream: tool-calling models', () => {
  it('calls a tool deterministically for a matching input, with $1 from the match, only when offered', async () => {
    const client = await start({
      models: {
        agent: { toolCalls: [{ match: 'order (\\d+)', name: 'lookup_order', arguments: { id: '$1' } }] },
      },
    });
    const messages = [{ role: 'user' as const, content: 'where is order 42?' }];
    const res = await client.chat.completions.create({ model: 'agent', messages, tools: [lookupTool] });
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function).toEqual({
      name: 'lookup_order',
      arguments: '{"id":"42"}',
    });
    const untooled = await client.chat.completions.create({ model: 'agent', messages });
    expect(untooled.choices[0]?.message.content).toBe('Echo: where is order 42?');
    const other = await client.chat.completions.create({
      model: 'agent',
      messages: [{ role: 'user', content: 'hello' }],
      tools: [lookupTool],
    });
    expect(other.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers with the tool results once they are in the conversation (step 2)', () => {
    const b = behaviour({ toolCalls: [{ name: 'lookup_order' }] });
    const messages = [
      { role: 'user', content: 'where is my order?' },
      { role: 'assistant', tool_calls: [{ id: 'c1', function: { name: 'lookup_order', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'shipped' },
    ];
    expect(toolCallsFor(b, messages, new Set(['lookup_order']), 1)).toEqual([]);
    expect(replyText(b, messages)).toBe('Echo: where is my order? [lookup_order: shipped]');
  });

  it('streams tool calls in pieces the SDK assembles', async () => {
    const client = await start({
      models: { agent: { toolCalls: [{ name: 'lookup_order', arguments: { id: 'x' } }] } },
    });
    const stream = await client.chat.completions.create({
      model: 'agent',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [lookupTool],
      stream: true,
    });
    let args = '';
    let name = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const t of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += t.function?.name ?? '';
        args += t.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect({ name, args, finish }).toEqual({
      name: 'lookup_order',
      args: '{"id":"x"}',
      finish: 'tool_calls',
    });
  });
});

describe('fake upstream: judge model', () => {
  it('scores by the model that answered the judged request (same x-request-id), so a worse model scores lower', async () => {
    const client = await start({
      models: {
        'model-v1': {},
        'model-v2': {},
        judge: { judge: { scores: { 'model-v1': 0.9, 'model-v2': 0.3 } } },
      },
    });
    const ask = [{ role: 'user' as const, content: 'hi' }];
    const scoreOf = async (model: string, id: string) => {
      await client.chat.completions.create({ model, messages: ask }, { headers: { 'x-request-id': id } });
      const res = await client.chat.completions.create(
        { model: 'judge', messages: [{ role: 'user', content: 'judge this' }] },
        { headers: { 'x-request-id': id } },
      );
      return JSON.parse(res.choices[0]?.message.content ?? '{}').score;
    };
    expect(await scoreOf('model-v1', 'r1')).toBe(0.9);
    expect(await scoreOf('model-v2', 'r2')).toBe(0.3);
  });

  it('scores by a rule on the system prompt of the answering call, else the default', () => {
    const judge = behaviour({ judge: { promptRules: [{ match: 'be terse', score: 0.2 }], default: 0.85 } })
      .judge!;
    const parse = (s: string) => JSON.parse(s).score;
    expect(parse(judgeReply(judge, { model: 'm', system: 'v2: be terse' }, Math.random))).toBe(0.2);
    expect(parse(judgeReply(judge, { model: 'm', system: 'v1' }, Math.random))).toBe(0.85);
    expect(parse(judgeReply(judge, undefined, Math.random))).toBe(0.85);
  });
});

describe('fake upstream: model aliases', () => {
  it('serves an alias by its target and reports the target in the model field', async () => {
    const client = await start({
      models: { 'gpt-x': { aliasOf: 'gpt-x-2025' }, 'gpt-x-2025': { reply: 'new' } },
    });
    const res = await client.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.model).toBe('gpt-x-2025');
    expect(res.choices[0]?.message.content).toBe('new');
  });

  it('moves an alias at the chosen time', () => {
    const b = behaviour({ aliasOf: 'old', switch: { to: 'new', afterSeconds: 30 } });
    expect(servedModel('m', b, 1_000, 30_999)).toBe('old');
    expect(servedModel('m', b, 1_000, 31_000)).toBe('new');
    const at = behaviour({ switch: { to: 'new', at: '2030-01-01T00:00:00Z' } });
    expect(servedModel('m', at, 0, Date.parse('2029-12-31T23:59:59Z'))).toBe('m');
    expect(servedModel('m', at, 0, Date.parse('2030-01-01T00:00:00Z'))).toBe('new');
  });

  it('moves an alias on PUT /_models/<alias>', async () => {
    const client = await start({ models: { 'gpt-x': { aliasOf: 'a' }, a: {}, b: {} } });
    const served = async () =>
      (await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] }))
        .model;
    expect(await served()).toBe('a');
    await fetch(`${fake?.url}/_models/gpt-x`, { method: 'PUT', body: JSON.stringify({ aliasOf: 'b' }) });
    expect(await served()).toBe('b');
  });
});

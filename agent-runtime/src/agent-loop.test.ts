import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../dev/runtime-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const order = { messages: [{ role: 'user', content: 'where is order 42?' }] };
/** A model that looks the order up first, then answers with the tool's result. */
const toolModel = {
  models: { good: { toolCalls: [{ match: 'order (\\d+)', name: 'lookup_order', arguments: { id: '$1' } }] } },
};
const lookup = (url: string, extra: Record<string, unknown> = {}) => ({
  name: 'lookup_order',
  description: 'Find an order',
  parameters: { type: 'object', properties: { id: { type: 'string' } } },
  url,
  ...extra,
});

interface Answer {
  output: string;
  finishReason: string;
  usage: { promptTokens: number };
  toolCalls?: { name: string; arguments: string }[];
}

describe('agent loop', () => {
  it('runs an HTTP tool the model calls and answers with its result after a second model call', async () => {
    h = await startHarness(
      toolModel,
      {},
      {
        tools: { tools: { lookup_order: { result: { status: 'shipped' } } } },
        agentFile: (t) => ({ tools: [lookup(t?.toolURL('lookup_order') ?? '')] }),
      },
    );
    const res = await h.invoke(order);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.output).toBe('Echo: where is order 42? [lookup_order: {"status":"shipped"}]');
    expect(body.finishReason).toBe('stop');
    expect(body.toolCalls).toBeUndefined();
    expect(h.tools?.stats()['lookup_order']?.calls).toBe(1);
    expect(h.fake.stats()['good']?.requests).toBe(2);
    expect(await h.metric('agent_tool_calls_total', 'tool="lookup_order"', 'outcome="success"')).toBe(1);
    expect(await h.metric('agent_tool_call_duration_seconds_count', 'tool="lookup_order"')).toBe(1);
    expect(await h.metric('agent_steps_per_request_bucket', 'le="2"')).toBe(1);
    expect(await h.metric('agent_steps_per_request_bucket', 'le="1"')).toBe(0);
    expect(await h.metric('agent_model_served_total', 'served_model="good"')).toBe(2);
  });

  it('runs a tool of an MCP server through the MCP SDK, with the schema the server gives', async () => {
    h = await startHarness(
      toolModel,
      {},
      {
        tools: {
          tools: {
            lookup_order: {
              parameters: { type: 'object', properties: { id: { type: 'string' } } },
              result: 'ok',
            },
          },
        },
        agentFile: (t) => ({ tools: [{ name: 'lookup_order', protocol: 'mcp', url: t?.mcpURL }] }),
      },
    );
    await h.runtime.tools.discover();
    expect(h.runtime.tools.definitions()[0]?.function.parameters).toEqual({
      type: 'object',
      properties: { id: { type: 'string' } },
    });
    const body = (await (await h.invoke(order)).json()) as Answer;
    expect(body.output).toBe('Echo: where is order 42? [lookup_order: "ok"]');
    expect(await h.metric('agent_tool_calls_total', 'tool="lookup_order"', 'outcome="success"')).toBe(1);
  });

  it('hands tool calls back when the request asks for it (toolCalls: "return")', async () => {
    h = await startHarness(
      toolModel,
      {},
      {
        tools: { tools: { lookup_order: {} } },
        agentFile: (t) => ({ tools: [lookup(t?.toolURL('lookup_order') ?? '')] }),
      },
    );
    const body = (await (await h.invoke({ ...order, toolCalls: 'return' })).json()) as Answer;
    expect(body.finishReason).toBe('tool_calls');
    expect(body.toolCalls).toEqual([
      { id: expect.any(String), name: 'lookup_order', arguments: '{"id":"42"}' },
    ]);
    expect(h.tools?.stats()['lookup_order']).toBeUndefined();
  });

  it("hands back calls of a tool without a URL (the caller's tool) instead of running them", async () => {
    h = await startHarness(toolModel, {}, { agentFile: { tools: [{ name: 'lookup_order' }] } });
    const body = (await (await h.invoke(order)).json()) as Answer;
    expect(body.toolCalls?.[0]?.name).toBe('lookup_order');
    expect(h.fake.stats()['good']?.requests).toBe(1);
  });

  it('stops at maxSteps with finishReason max_steps and the pending calls, when the model keeps calling tools', async () => {
    h = await startHarness(
      { models: { good: { toolCalls: [{ step: 'any', name: 'lookup_order' }] } } },
      {},
      {
        tools: { tools: { lookup_order: {} } },
        agentFile: (t) => ({ maxSteps: 3, tools: [lookup(t?.toolURL('lookup_order') ?? '')] }),
      },
    );
    const body = (await (await h.invoke(order)).json()) as Answer;
    expect(body.finishReason).toBe('max_steps');
    expect(body.toolCalls).toHaveLength(1);
    expect(h.fake.stats()['good']?.requests).toBe(3);
    expect(h.tools?.stats()['lookup_order']?.calls).toBe(2);
    expect(await h.metric('agent_steps_per_request_bucket', 'le="3"')).toBe(1);
    expect(await h.metric('agent_steps_per_request_bucket', 'le="2"')).toBe(0);
  });

  it('answers a tool with side effects with a stub when the request says x-agent-side-effects: stub', async () => {
    h = await startHarness(
      toolModel,
      {},
      {
        tools: { tools: { lookup_order: {} } },
        agentFile: (t) => ({ tools: [lookup(t?.toolURL('lookup_order') ?? '', { sideEffects: true })] }),
      },
    );
    const body = (await (await h.invoke(order, { 'x-agent-side-effects': 'stub' })).json()) as Answer;
    expect(body.output).toContain('"stubbed":true');
    expect(h.tools?.stats()['lookup_order']).toBeUndefined();
    expect(await h.metric('agent_tool_calls_total', 'tool="lookup_order"', 'outcome="stubbed"')).toBe(1);
    // Without the header the same tool is called.
    await h.invoke(order);
    expect(h.tools?.stats()['lookup_order']?.calls).toBe(1);
  });

  it('stubs every side-effect tool when TOOL_SIDE_EFFECTS=stub, but still runs tools without side effects', async () => {
    h = await startHarness(
      {
        models: {
          good: {
            toolCalls: [
              { name: 'lookup_order', arguments: {} },
              { name: 'refund', arguments: {} },
            ],
          },
        },
      },
      { TOOL_SIDE_EFFECTS: 'stub' },
      {
        tools: { tools: { '*': {} } },
        agentFile: (t) => ({
          tools: [
            lookup(t?.toolURL('lookup_order') ?? ''),
            { name: 'refund', url: t?.toolURL('refund'), sideEffects: true },
          ],
        }),
      },
    );
    expect((await h.invoke(order)).status).toBe(200);
    expect(h.tools?.stats()['lookup_order']?.calls).toBe(1);
    expect(h.tools?.stats()['refund']).toBeUndefined();
    expect(await h.metric('agent_tool_calls_total', 'tool="refund"', 'outcome="stubbed"')).toBe(1);
  });

  it('retries a failing tool, then gives the model the error and counts outcome=error with the retries', async () => {
    h = await startHarness(
      toolModel,
      {},
      {
        tools: { tools: { lookup_order: { errorRate: 1 } } },
        agentFile: (t) => ({ tools: [lookup(t?.toolURL('lookup_order') ?? '', { retries: 1 })] }),
      },
    );
    const body = (await (await h.invoke(order)).json()) as Answer;
    expect(body.output).toContain('[lookup_order: {"error":"the tool answered 500');
    expect(h.tools?.stats()['lookup_order']?.calls).toBe(2);
    expect(await h.metric('agent_tool_calls_total', 'tool="lookup_order"', 'outcome="error"')).toBe(1);
    expect(await h.metric('agent_tool_retries_total', 'tool="lookup_order"')).toBe(1);
  });

  it('does not retry a failure the tool says not to retry (x-should-retry: false)', async () => {
    h = await startHarness(
      toolModel,
      {},
      {
        tools: { tools: { lookup_order: { errorRate: 1, retryable: false } } },
        agentFile: (t) => ({ tools: [lookup(t?.toolURL('lookup_order') ?? '')] }),
      },
    );
    await h.invoke(order);
    expect(h.tools?.stats()['lookup_order']?.calls).toBe(1);
  });

  it('opens a tool breaker after consecutive failures: later calls are refused without reaching the tool', async () => {
    h = await startHarness(
      toolModel,
      { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2' },
      {
        tools: { tools: { lookup_order: { errorRate: 1, retryable: false } } },
        agentFile: (t) => ({ tools: [lookup(t?.toolURL('lookup_order') ?? '')] }),
      },
    );
    for (let i = 0; i < 3; i++) expect((await h.invoke(order)).status).toBe(200);
    expect(h.tools?.stats()['lookup_order']?.calls).toBe(2);
    expect(await h.metric('agent_tool_calls_total', 'tool="lookup_order"', 'outcome="circuit_open"')).toBe(1);
    expect(await h.metric('agent_tool_circuit_breaker_state', 'tool="lookup_order"')).toBe(2);
    // The model breaker is a different one: the model answered every time.
    expect(await h.metric('agent_circuit_breaker_state')).toBe(0);
  });

  it('answers a call of a tool the version does not have with an error, labelled (unknown)', async () => {
    h = await startHarness(
      { models: { good: { toolCalls: [{ name: 'delete_everything' }] } } },
      {},
      {
        tools: { tools: { lookup_order: {} } },
        agentFile: (t) => ({ tools: [lookup(t?.toolURL('lookup_order') ?? '')] }),
      },
    );
    // The fake calls only tools it was offered, so offer the unknown one through the version's definitions.
    h.runtime.tools.definitions().push({ type: 'function', function: { name: 'delete_everything' } });
    const body = (await (await h.invoke(order)).json()) as Answer;
    expect(body.output).toContain('there is no tool named');
    expect(await h.metric('agent_tool_calls_total', 'tool="(unknown)"', 'outcome="invalid"')).toBe(1);
  });

  it('streams the loop: tool events between the model calls, then the answer and done', async () => {
    h = await startHarness(
      toolModel,
      {},
      {
        tools: { tools: { lookup_order: { result: 'found' } } },
        agentFile: (t) => ({ tools: [lookup(t?.toolURL('lookup_order') ?? '')] }),
      },
    );
    const text = await (await h.invoke({ ...order, stream: true })).text();
    const events = text
      .trim()
      .split('\n\n')
      .map((b) => b.split('\n')[0]?.slice('event: '.length));
    expect(events[0]).toBe('tool');
    expect(events.at(-1)).toBe('done');
    expect(text).toContain('"name":"lookup_order","outcome":"success"');
    expect(text).toContain('[lookup_order: ');
    expect(await h.metric('agent_requests_total', 'outcome="success"')).toBe(1);
  });
});

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeToolsConfigInput, loadFakeToolsConfig, parseFakeToolsConfig } from './fake-tools-config.js';
import { type FakeTools, startFakeTools } from './fake-tools-server.js';

let fake: FakeTools | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = undefined;
  client = undefined;
});

const start = async (config: FakeToolsConfigInput) => {
  fake = await startFakeTools({ config: parseFakeToolsConfig(config) });
  return fake;
};
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', body: JSON.stringify(body) });

describe('fake tool server', () => {
  it('answers an HTTP tool with its result, or an echo of the arguments', async () => {
    const f = await start({ tools: { fixed: { result: { status: 'shipped' } }, '*': {} } });
    expect(await (await post(f.toolURL('fixed'), { id: '1' })).json()).toEqual({ status: 'shipped' });
    expect(await (await post(f.toolURL('other'), { id: '2' })).json()).toEqual({
      tool: 'other',
      arguments: { id: '2' },
    });
    expect(f.stats()['fixed']).toEqual({ calls: 1, ok: 1, errors: 0, hangs: 0 });
  });

  it('fails a seeded share of calls reproducibly, with x-should-retry: false when not retryable', async () => {
    const statuses = async () => {
      const f = await start({ seed: 7, tools: { flaky: { errorRate: 0.3, retryable: false } } });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await post(f.toolURL('flaky'), {});
        if (res.status !== 200) expect(res.headers.get('x-should-retry')).toBe('false');
        out.push(res.status);
      }
      await f.close();
      return out;
    };
    const first = await statuses();
    expect(first).toEqual(await statuses());
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it('serves the same tools over MCP (Streamable HTTP), failures as isError results', async () => {
    const f = await start({
      tools: {
        echo: { description: 'Echo', parameters: { type: 'object', properties: { x: { type: 'string' } } } },
        broken: { errorRate: 1 },
      },
    });
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(f.mcpURL)));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['broken', 'echo']);
    expect(tools.find((t) => t.name === 'echo')?.inputSchema).toMatchObject({
      properties: { x: { type: 'string' } },
    });
    const ok = await client.callTool({ name: 'echo', arguments: { x: 'hi' } });
    expect(ok.content).toEqual([{ type: 'text', text: '{"tool":"echo","arguments":{"x":"hi"}}' }]);
    const bad = await client.callTool({ name: 'broken', arguments: {} });
    expect(bad.isError).toBe(true);
    expect(f.stats()['broken']?.errors).toBe(1);
  });

  it('changes a tool on PUT /_tools/<name> and names the bad field of a bad body', async () => {
    const f = await start({ tools: { t: {} } });
    expect((await post(f.toolURL('t'), {})).status).toBe(200);
    await fetch(`${f.url}/_tools/t`, {
      method: 'PUT',
      body: JSON.stringify({ errorRate: 1, errorStatus: 503 }),
    });
    expect((await post(f.toolURL('t'), {})).status).toBe(503);
    const bad = await fetch(`${f.url}/_tools/t`, { method: 'PUT', body: JSON.stringify({ errorRate: 3 }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('errorRate');
  });

  it('reads inline JSON config and rejects impossible rates', () => {
    expect(loadFakeToolsConfig('{"tools": {"a": {"latencyMs": 3}}}').tools['a']?.latencyMs).toBe(3);
    expect(() => parseFakeToolsConfig({ tools: { a: { errorRate: 0.7, hangRate: 0.7 } } })).toThrow(
      /must not exceed 1/,
    );
  });
});

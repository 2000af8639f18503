// The agent loop as real processes: agent-runtime (node --import tsx) runs the version's tools on the fake
// tool server (an HTTP tool and an MCP tool) between calls to the fake upstream, is judged off-path by the
// fake judge model, and reports the model the provider served, including after an alias moved. No
// Kubernetes involved; every assertion is on what the processes answered or exported.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, spawnFakeOpenAI, spawnFakeTools, spawnRuntime } from '../support/processes.js';

const API_KEY = 'sk-integration-0123456789';
let upstream: ServiceProcess;
let tools: ServiceProcess;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  upstream = await spawnFakeOpenAI({
    apiKey: API_KEY,
    models: {
      // An alias that serves agent-model-a until moved (PUT /_models/agent-model).
      'agent-model': {
        aliasOf: 'agent-model-a',
      },
      'agent-model-a': {
        toolCalls: [
          { match: 'order (\\d+)', name: 'lookup_order', arguments: { id: '$1' } },
          { match: 'refund (\\d+)', name: 'refund', arguments: { id: '$1' } },
        ],
      },
      'agent-model-b': {
        toolCalls: [{ match: 'order (\\d+)', name: 'lookup_order', arguments: { id: '$1' } }],
      },
      judge: { judge: { scores: { 'agent-model-a': 0.9, 'agent-model-b': 0.3 } } },
    },
  });
  tools = await spawnFakeTools({
    seed: 3,
    tools: { lookup_order: { result: { status: 'shipped' } }, refund: {} },
  });
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop('SIGKILL')));
  await tools?.stop();
  await upstream?.stop();
});

async function runtime(env: Record<string, string>): Promise<ServiceProcess> {
  const file = join(mkdtempSync(join(tmpdir(), 'loop-process-')), 'agent.json');
  writeFileSync(
    file,
    JSON.stringify({
      prompt: 'You are the orchestrator.',
      tools: [
        { name: 'lookup_order', url: `${tools.url}/tools/lookup_order` },
        { name: 'refund', protocol: 'mcp', url: `${tools.url}/mcp`, sideEffects: true },
      ],
      judge: { model: 'judge', rubric: 'Answers the question.', sampleRate: 1, maxPerMinute: 6000 },
    }),
  );
  const svc = await spawnRuntime({
    AGENT_NAME: 'orchestrator',
    AGENT_VERSION: '2.0.0',
    AGENT_TRACK: 'canary',
    POD_NAMESPACE: 'rt-test',
    MODEL_NAME: 'agent-model',
    MODEL_BASE_URL: `${upstream.url}/v1`,
    MODEL_MAX_RETRIES: '0',
    OPENAI_API_KEY: API_KEY,
    AGENT_CONFIG_FILE: file,
    ...env,
  });
  started.push(svc);
  return svc;
}

const ask = (svc: ServiceProcess, content: string, headers: Record<string, string> = {}) =>
  fetch(`${svc.url}/v1/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content }] }),
  });

async function sample(svc: ServiceProcess, name: string, ...parts: string[]): Promise<number | undefined> {
  const text = await (await fetch(`${svc.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && parts.every((p) => l.includes(p)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

const stats = async () =>
  (await (await fetch(`${tools.url}/_stats`)).json()) as Record<string, { calls: number }>;

describe('agent-runtime process: the agent loop', () => {
  it('runs an HTTP tool and an MCP tool, stubs the side-effect one for shadow traffic, and is judged per track', async () => {
    const svc = await runtime({});
    const res = await ask(svc, 'where is order 7?');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: string }).output).toBe(
      'Echo: where is order 7? [lookup_order: {"status":"shipped"}]',
    );
    expect((await ask(svc, 'refund 7 please')).status).toBe(200);
    expect((await stats())['refund']?.calls).toBe(1);
    expect((await ask(svc, 'refund 8 please', { 'x-agent-side-effects': 'stub' })).status).toBe(200);
    expect((await stats())['refund']?.calls).toBe(1);

    const labels = ['track="canary"', 'namespace="rt-test"'];
    expect(
      await sample(svc, 'agent_tool_calls_total', 'tool="lookup_order"', 'outcome="success"', ...labels),
    ).toBe(1);
    expect(await sample(svc, 'agent_tool_calls_total', 'tool="refund"', 'outcome="success"', ...labels)).toBe(
      1,
    );
    expect(await sample(svc, 'agent_tool_calls_total', 'tool="refund"', 'outcome="stubbed"', ...labels)).toBe(
      1,
    );
    expect(await sample(svc, 'agent_steps_per_request_count', ...labels)).toBe(3);
    expect(await sample(svc, 'agent_model_served_total', 'served_model="agent-model-a"', ...labels)).toBe(6);
    await expect
      .poll(() => sample(svc, 'agent_evals_total', 'verdict="pass"', ...labels), { timeout: 10_000 })
      .toBe(3);
  });

  it('reports the model the provider serves once an alias moves, and the judge scores the new one lower', async () => {
    const svc = await runtime({});
    expect((await ask(svc, 'where is order 1?')).status).toBe(200);
    const moved = await fetch(`${upstream.url}/_models/agent-model`, {
      method: 'PUT',
      body: JSON.stringify({ aliasOf: 'agent-model-b' }),
    });
    expect(moved.status).toBe(200);
    expect((await ask(svc, 'where is order 2?')).status).toBe(200);
    expect(await sample(svc, 'agent_model_served_total', 'served_model="agent-model-a"')).toBe(2);
    expect(await sample(svc, 'agent_model_served_total', 'served_model="agent-model-b"')).toBe(2);
    await expect.poll(() => sample(svc, 'agent_evals_total', 'verdict="fail"'), { timeout: 10_000 }).toBe(1);
    expect(await sample(svc, 'agent_evals_total', 'verdict="pass"')).toBe(1);
  });
});

// The agent runtime as real child processes (node --import tsx) against the fake OpenAI upstream, over
// HTTP, through the real openai SDK inside the runtime. No Kubernetes involved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runtimeEntry,
  type ServiceProcess,
  spawnFakeOpenAI,
  spawnRuntime,
  spawnService,
} from '../support/processes.js';

const API_KEY = 'sk-integration-0123456789';

const fakeConfig = {
  seed: 11,
  apiKey: API_KEY,
  models: {
    good: { latencyMs: { min: 1, max: 5 } },
    flaky: { errorRate: 0.3, retryable: false },
    broken: { errorRate: 1, errorStatus: 500, retryable: false },
    slow: { latencyMs: 600 },
  },
};

function runtimeEnv(upstream: ServiceProcess, env: Record<string, string>): Record<string, string> {
  return {
    AGENT_NAME: 'orchestrator',
    AGENT_VERSION: '1.0.0',
    AGENT_TRACK: 'stable',
    POD_NAMESPACE: 'rt-test',
    MODEL_NAME: 'good',
    MODEL_BASE_URL: `${upstream.url}/v1`,
    MODEL_MAX_RETRIES: '0',
    OPENAI_API_KEY: API_KEY,
    LOG_LEVEL: 'info',
    ...env,
  };
}

const invoke = (svc: ServiceProcess, content = 'hello') =>
  fetch(`${svc.url}/v1/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content }] }),
  });

async function metricsOf(svc: ServiceProcess): Promise<string> {
  return (await fetch(`${svc.url}/metrics`)).text();
}

function sample(text: string, name: string, ...parts: string[]): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && parts.every((p) => l.includes(p)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

let upstream: ServiceProcess;
const started: ServiceProcess[] = [];
async function runtime(env: Record<string, string>): Promise<ServiceProcess> {
  const svc = await spawnRuntime(runtimeEnv(upstream, env));
  started.push(svc);
  return svc;
}

beforeAll(async () => {
  upstream = await spawnFakeOpenAI(fakeConfig);
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop('SIGKILL')));
  await upstream?.stop();
});

describe('agent-runtime process', () => {
  it('exits non-zero before listening when the config is bad, naming the variable', async () => {
    const svc = await spawnService({
      name: 'bad-config runtime',
      entry: runtimeEntry,
      env: {
        AGENT_NAME: 'orchestrator',
        AGENT_VERSION: '1.0.0',
        MODEL_NAME: 'good',
        MODEL_TIMEOUT_SECONDS: 'soon',
      },
      readyPath: null,
    });
    const exit = await svc.exited;
    expect(exit.code).toBe(1);
    expect(svc.output()).toContain('MODEL_TIMEOUT_SECONDS');
    expect(svc.output()).toContain('OPENAI_API_KEY: is required');
    expect(svc.logLines().some((l) => l['msg'] === 'listening')).toBe(false);
  });

  it('serves stable and canary tracks side by side with track-labelled metrics, tokens and cost', async () => {
    const price = { MODEL_PRICE_INPUT_PER_MTOK: '2', MODEL_PRICE_OUTPUT_PER_MTOK: '8' };
    const [stable, canary] = await Promise.all([
      runtime({ ...price }),
      runtime({ ...price, AGENT_VERSION: '1.1.0', AGENT_TRACK: 'canary' }),
    ]);
    for (let i = 0; i < 3; i++) {
      const res = await invoke(stable!);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        output: 'Echo: hello',
        model: 'good',
        usage: { totalTokens: 12 },
      });
    }
    expect((await invoke(canary!)).status).toBe(200);

    const s = await metricsOf(stable!);
    const labels = ['agent="orchestrator"', 'version="1.0.0"', 'track="stable"', 'namespace="rt-test"'];
    expect(sample(s, 'agent_requests_total', 'outcome="success"', ...labels)).toBe(3);
    expect(sample(s, 'agent_tokens_total', 'type="prompt"', ...labels)).toBe(27);
    expect(sample(s, 'agent_tokens_total', 'type="completion"', ...labels)).toBe(9);
    expect(sample(s, 'agent_cost_usd_total', ...labels)).toBeCloseTo((27 * 2 + 9 * 8) / 1e6, 12);
    expect(sample(s, 'process_resident_memory_bytes', ...labels)).toBeGreaterThan(0);

    const c = await metricsOf(canary!);
    expect(sample(c, 'agent_requests_total', 'outcome="success"', 'version="1.1.0"', 'track="canary"')).toBe(
      1,
    );
  });

  it('reflects a bad model in outcome=error counts that match the upstream failures', async () => {
    const canary = await runtime({
      AGENT_TRACK: 'canary',
      MODEL_NAME: 'flaky',
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '100',
    });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await invoke(canary)).status);
    const failures = statuses.filter((s) => s === 502).length;
    expect(failures + statuses.filter((s) => s === 200).length).toBe(40);
    expect(failures).toBeGreaterThan(4);
    const stats = (await (await fetch(`${upstream.url}/_stats`)).json()) as Record<
      string,
      { errors: number }
    >;
    expect(stats['flaky']?.errors).toBe(failures);
    const m = await metricsOf(canary);
    expect(sample(m, 'agent_requests_total', 'outcome="error"')).toBe(failures);
    expect(sample(m, 'agent_upstream_errors_total', 'kind="server"')).toBe(failures);
  });

  it('opens the circuit breaker when the upstream keeps failing, staying ready and reporting degraded', async () => {
    const svc = await runtime({ MODEL_NAME: 'broken' });
    for (let i = 0; i < 5; i++) expect((await invoke(svc)).status).toBe(502);
    const fast = await invoke(svc);
    expect(fast.status).toBe(503);
    expect(fast.headers.get('retry-after')).toBe('60');
    // Readiness does not follow the breaker (every replica shares one upstream; taking them all out of
    // the Service turns a degraded agent into no agent): /readyz stays 200, /healthz says degraded.
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
    const health = (await (await fetch(`${svc.url}/healthz`)).json()) as {
      status: string;
      breaker: { state: string };
    };
    expect(health.status).toBe('degraded');
    expect(health.breaker.state).toBe('open');
    expect(sample(await metricsOf(svc), 'agent_circuit_breaker_state')).toBe(2);
  });

  it('answers 429 quickly when more requests arrive than MAX_CONCURRENCY', async () => {
    const svc = await runtime({ MODEL_NAME: 'slow', MAX_CONCURRENCY: '2' });
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        invoke(svc).then((r) => ({ status: r.status, ms: performance.now() - t0 })),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    const rejected = results.filter((r) => r.status === 429);
    expect(rejected).toHaveLength(4);
    // Refused at once, not queued behind the 600 ms model calls.
    for (const r of rejected) expect(r.ms).toBeLessThan(400);
    expect(sample(await metricsOf(svc), 'agent_requests_total', 'outcome="rejected"')).toBe(4);
  });

  it('drains on SIGTERM: the in-flight request completes, then the process exits 0', async () => {
    const svc = await runtime({ MODEL_NAME: 'slow' });
    const inFlight = invoke(svc);
    await new Promise((r) => setTimeout(r, 150));
    const exit = svc.stop('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: string }).output).toBe('Echo: hello');
    expect(await exit).toEqual({ code: 0, signal: null });
    const msgs = svc.logLines().map((l) => l['msg']);
    expect(msgs).toEqual(expect.arrayContaining(['draining', 'stopped']));
    expect(svc.logLines().find((l) => l['msg'] === 'stopped')?.['abandoned']).toBe(0);
  });
});

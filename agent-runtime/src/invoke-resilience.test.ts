import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, hello, startHarness } from '../dev/runtime-harness.js';

/** POST through a given keep-alive agent (fetch cannot pin a socket). */
function postWith(
  agent: Agent,
  url: string,
  body: unknown,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('invoke under failure and load', () => {
  it('maps an upstream 500 to 502, counts outcome=error and kind=server', async () => {
    h = await startHarness({ models: { good: { errorRate: 1, retryable: false } } });
    const res = await h.invoke(hello);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('upstream_server');
    expect(await h.metric('agent_requests_total', 'outcome="error"')).toBe(1);
    expect(await h.metric('agent_upstream_errors_total', 'kind="server"')).toBe(1);
  });

  it('retries a retryable upstream failure through the SDK before giving up', async () => {
    h = await startHarness(
      { models: { good: { errorRate: 1, errorStatus: 503 } } },
      { MODEL_MAX_RETRIES: '1' },
    );
    expect((await h.invoke(hello)).status).toBe(502);
    expect(h.fake.stats()['good']?.requests).toBe(2);
  });

  it('opens the breaker after the threshold: later calls fail fast with 503, the pod stays ready, /healthz and the metric show it', async () => {
    h = await startHarness(
      { models: { good: { errorRate: 1, retryable: false } } },
      { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2', CIRCUIT_BREAKER_RESET_TIMEOUT_SECONDS: '30' },
    );
    expect((await h.invoke(hello)).status).toBe(502);
    expect((await h.invoke(hello)).status).toBe(502);
    const res = await h.invoke(hello);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('circuit_open');
    // The third call never reached the upstream.
    expect(h.fake.stats()['good']?.requests).toBe(2);
    // An upstream outage opens every pod's breaker at once: readiness stays the pod's own.
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    const health = (await (await fetch(`${h.url}/healthz`)).json()) as {
      status: string;
      breaker: { state: string };
    };
    expect(health).toMatchObject({ status: 'degraded', breaker: { state: 'open' } });
    expect(await h.metric('agent_circuit_breaker_state')).toBe(2);
    expect(await h.metric('agent_requests_total', 'outcome="error"')).toBe(3);
    expect(await h.metric('agent_upstream_errors_total', 'kind="server"')).toBe(2);
  });

  it('closes the breaker again after a successful half-open probe', async () => {
    h = await startHarness(
      { models: { good: { errorRate: 1, retryable: false } } },
      { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '1', CIRCUIT_BREAKER_RESET_TIMEOUT_SECONDS: '0.2' },
    );
    await h.invoke(hello);
    expect(await h.metric('agent_circuit_breaker_state')).toBe(2);
    await new Promise((r) => setTimeout(r, 250));
    expect(await h.metric('agent_circuit_breaker_state')).toBe(1);
    // Heal the model: the probe succeeds and the breaker closes.
    h.fake.setModel('good', {});
    expect((await h.invoke(hello)).status).toBe(200);
    expect(await h.metric('agent_circuit_breaker_state')).toBe(0);
  });

  it('answers 429 at once when every slot is busy instead of queueing', async () => {
    h = await startHarness({ models: { good: { latencyMs: 400 } } }, { MAX_CONCURRENCY: '1' });
    const slow = h.invoke(hello);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    const rejected = await h.invoke(hello);
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('retry-after')).toBe('1');
    expect(performance.now() - t0).toBeLessThan(200);
    expect((await slow).status).toBe(200);
    expect(await h.metric('agent_requests_total', 'outcome="rejected"')).toBe(1);
  });

  it('answers 504 and counts outcome=timeout when the model hangs past MODEL_TIMEOUT_SECONDS', async () => {
    h = await startHarness({ models: { good: { hangRate: 1 } } }, { MODEL_TIMEOUT_SECONDS: '0.2' });
    const res = await h.invoke(hello);
    expect(res.status).toBe(504);
    expect(await h.metric('agent_requests_total', 'outcome="timeout"')).toBe(1);
    expect(await h.metric('agent_upstream_errors_total', 'kind="timeout"')).toBe(1);
  });

  it('counts a caller that hangs up as canceled, not as an error', async () => {
    h = await startHarness({ models: { good: { latencyMs: 1000 } } });
    await expect(
      fetch(`${h.url}/v1/invoke`, {
        method: 'POST',
        body: JSON.stringify(hello),
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    const harness = h;
    await expect.poll(() => harness.metric('agent_requests_total', 'outcome="canceled"')).toBe(1);
    expect(await h.metric('agent_requests_total', 'outcome="error"')).toBe(0);
    expect(await h.metric('agent_inflight_requests')).toBe(0);
  });

  it('drains: readiness fails at once, the in-flight request finishes with Connection: close, then the listener closes', async () => {
    h = await startHarness({ models: { good: { latencyMs: 300 } } });
    const harness = h;
    const inFlight = h.invoke(hello);
    await new Promise((r) => setTimeout(r, 50));
    const drained = h.runtime.shutdown(5000, 200);
    expect(h.runtime.draining).toBe(true);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toContain('draining');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect(((await res.json()) as { output: string }).output).toBe('Echo: hello');
    expect(await drained).toBe(0);
    expect(
      await harness.invoke(hello).then(
        (r) => r.status,
        () => 'connection refused',
      ),
    ).toBe('connection refused');
  });

  it('drains: a request arriving on a kept-alive connection after the stop began is answered, not refused', async () => {
    h = await startHarness({ models: { good: { latencyMs: 20 } } });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await postWith(agent, `${h.url}/v1/invoke`, hello);
    expect(first.status).toBe(200);
    const drained = h.runtime.shutdown(5000, 500);
    // Same socket (maxSockets 1, kept alive): the answer comes, and it closes the connection.
    const second = await postWith(agent, `${h.url}/v1/invoke`, hello);
    expect(second.status).toBe(200);
    expect(second.headers['connection']).toBe('close');
    expect(await drained).toBe(0);
    agent.destroy();
  });

  it('ends a stream that goes silent past MODEL_TIMEOUT_SECONDS with an error event and outcome=timeout', async () => {
    h = await startHarness(
      { models: { good: { reply: 'one two three', chunkDelayMs: 600 } } },
      { MODEL_TIMEOUT_SECONDS: '0.2' },
    );
    const res = await h.invoke({ ...hello, stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('event: error');
    expect(text).toContain('"type":"upstream_timeout"');
    expect(text).not.toContain('event: done');
    expect(await h.metric('agent_requests_total', 'outcome="timeout"')).toBe(1);
  });
});

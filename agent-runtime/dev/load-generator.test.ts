import { afterEach, describe, expect, it } from 'vitest';
import { type LoadStats, startLoadServer } from './load-generator.js';
import { type Harness, startHarness } from './runtime-harness.js';

let h: Harness | undefined;
let load: { url: string; close(): void } | undefined;
afterEach(async () => {
  load?.close();
  await h?.close();
  h = load = undefined;
});

async function post(url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('load generator', () => {
  it('never sends ahead of the asked rate, and counts answers by the version and track that served them', async () => {
    h = await startHarness({ models: { good: {} } }, { AGENT_VERSION: '1.2.0', AGENT_TRACK: 'canary' });
    load = await startLoadServer(0, '127.0.0.1');
    expect((await post(`${load.url}/start`, { target: `${h.url}/v1/invoke`, rps: 100 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const stats = (await post(`${load.url}/stop`)).json as LoadStats;
    const stoppedAt = Date.now();
    expect(stats.sent).toBeGreaterThan(0);
    // Open loop by the clock: at most rps × elapsed, whatever the timer's lateness.
    expect(stats.sent).toBeLessThanOrEqual(Math.floor(((stoppedAt - (stats.startedAt ?? 0)) * 100) / 1000));
    await expect
      .poll(async () => ((await (await fetch(`${load?.url}/stats`)).json()) as LoadStats).inFlight, {
        timeout: 10_000,
      })
      .toBe(0);
    expect(stats.failed).toBe(0);
    const keys = new Set(stats.seconds.flatMap((s) => Object.keys(s.counts)));
    expect([...keys]).toEqual(['1.2.0/canary/200']);
    const final = (await (await fetch(`${load.url}/stats`)).json()) as LoadStats;
    const counted = final.seconds.reduce((n, s) => n + (s.counts['1.2.0/canary/200'] ?? 0), 0);
    expect(counted).toBe(final.answered);
    expect(final.answered).toBe(final.sent);
  });

  it('lists failures with their time: error answers and refused connections', async () => {
    h = await startHarness({ models: { good: { errorRate: 1, retryable: false } } });
    load = await startLoadServer(0, '127.0.0.1');
    await post(`${load.url}/start`, { target: `${h.url}/v1/invoke`, rps: 50 });
    await new Promise((r) => setTimeout(r, 400));
    let stats = (await post(`${load.url}/stop`)).json as LoadStats;
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.failures[0]).toMatchObject({ status: 502, version: '1.0.0', track: 'stable' });

    await post(`${load.url}/start`, { target: 'http://127.0.0.1:1/v1/invoke', rps: 50 });
    await new Promise((r) => setTimeout(r, 300));
    stats = (await post(`${load.url}/stop`)).json as LoadStats;
    expect(stats.answered).toBe(0);
    expect(stats.failures[0]?.status).toBe('error');
    expect(stats.failures[0]?.at).toBeGreaterThan(Date.now() - 5000);
  });

  it('refuses a start request without a valid target, naming the field', async () => {
    load = await startLoadServer(0, '127.0.0.1');
    const res = await post(`${load.url}/start`, { target: 'not a url', rps: 10 });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain('target');
  });
});

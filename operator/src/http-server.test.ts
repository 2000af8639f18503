import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type OperatorHttpServer, startHttpServer } from './http-server.js';

let server: OperatorHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${server!.port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

describe('operator HTTP server', () => {
  it('serves the registry on /metrics in Prometheus text format', async () => {
    const registry = new Registry();
    new Counter({ name: 'test_things_total', help: 'things', registers: [registry] }).inc(3);
    server = await startHttpServer({ port: 0, host: '127.0.0.1', registry, readiness: () => undefined });
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    expect(res.body).toContain('test_things_total 3');
  });

  it('answers /healthz and reflects readiness on /readyz', async () => {
    let reason: string | undefined = 'caches not synced: AgentArmy';
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      readiness: () => reason,
    });
    expect((await get('/healthz')).status).toBe(200);
    expect(await get('/readyz')).toMatchObject({
      status: 503,
      body: 'not ready: caches not synced: AgentArmy',
    });
    reason = undefined;
    expect(await get('/readyz')).toMatchObject({ status: 200, body: 'ok' });
    expect((await get('/nope')).status).toBe(404);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, IdentityAgent, KubeClient, RequestAbortedError, WriteFencedError } from './api-client.js';

// A local HTTP server stands in for the API server: each path answers a fixed status and JSON body.
const listed = { metadata: { name: 'a', managedFields: [{ manager: 'kcm', fieldsV1: { 'f:spec': {} } }] } };
const answers: Record<string, { code: number; body: unknown }> = {
  '/ok': { code: 200, body: { kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '7' } } },
  '/list': { code: 200, body: { items: [listed] } },
  '/conflict': {
    code: 409,
    body: { kind: 'Status', status: 'Failure', reason: 'Conflict', message: 'the object was modified' },
  },
};
let server: http.Server;
let client: KubeClient;
const requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    const path = req.url?.split('?')[0] ?? '';
    requests.push(`${req.method} ${path}`);
    if (path === '/hang') return; // never answers
    if (path === '/watch') {
      // One watch event, then the server ends the stream.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ADDED', object: listed })}\n`);
      return;
    }
    const a = answers[path] ?? { code: 404, body: { reason: 'NotFound' } };
    res.writeHead(a.code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new KubeClient({ kind: 'test', prepare: async () => `http://127.0.0.1:${port}` });
});
afterAll(async () => {
  client.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('KubeClient.request', () => {
  it('returns the parsed answer of a successful request', async () => {
    const obj = await client.request<{ metadata: { resourceVersion: string } }>({
      method: 'GET',
      path: '/ok',
    });
    expect(obj.metadata.resourceVersion).toBe('7');
  });

  it('with discardResponse resolves undefined on success: the answer is drained, not parsed', async () => {
    const r = await client.request({ method: 'PATCH', path: '/ok', body: {}, discardResponse: true });
    expect(r).toBeUndefined();
  });

  it.each([false, true])('rejects a non-2xx answer with its Status (discardResponse %s)', async (discard) => {
    const err = await client
      .request({ method: 'PATCH', path: '/conflict', body: {}, discardResponse: discard })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).statusCode).toBe(409);
    expect((err as ApiError).status?.reason).toBe('Conflict');
  });

  it('with omitManagedFields parses the answer without metadata.managedFields', async () => {
    type List = { items: { metadata: Record<string, unknown> }[] };
    const full = await client.request<List>({ method: 'GET', path: '/list' });
    const slim = await client.request<List>({ method: 'GET', path: '/list', omitManagedFields: true });
    expect(full.items[0]?.metadata.managedFields).toBeDefined();
    expect(slim.items[0]?.metadata).toEqual({ name: 'a' });
  });
});

describe('KubeClient.request bounds', () => {
  it('fails a request that gets no answer after the client timeout', async () => {
    const { port } = server.address() as AddressInfo;
    const quick = new KubeClient(
      { kind: 'test', prepare: async () => `http://127.0.0.1:${port}` },
      undefined,
      100,
    );
    const err = await quick.request({ method: 'GET', path: '/hang' }).catch((e: unknown) => e);
    quick.close();
    expect(err).toBeInstanceOf(RequestAbortedError);
    expect(String(err)).toMatch(/GET \/hang timed out after 100 ms/);
  });

  it('cancels a request when its signal aborts', async () => {
    const abort = new AbortController();
    const pending = client.request({ method: 'GET', path: '/hang', signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await expect(pending).rejects.toThrow(/cancelled/);
  });

  it('refuses a write unsent while the write guard says no, and still reads', async () => {
    client.writeGuard = () => 'this replica does not hold the leader lease';
    try {
      requests.length = 0;
      const err = await client.request({ method: 'PATCH', path: '/ok', body: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WriteFencedError);
      expect(String(err)).toMatch(/not sent: this replica does not hold the leader lease/);
      await client.request({ method: 'PUT', path: '/ok', body: {}, unfenced: true });
      await client.request({ method: 'GET', path: '/ok' });
      expect(requests).toEqual(['PUT /ok', 'GET /ok']);
    } finally {
      client.writeGuard = undefined;
    }
  });
});

describe('KubeClient.watch', () => {
  it.each([false, true])('hands each event to onEvent (omitManagedFields %s)', async (omit) => {
    const events: { type: string; object: { metadata: Record<string, unknown> } }[] = [];
    await client.watch({
      path: '/watch',
      query: {},
      signal: new AbortController().signal,
      idleTimeoutMs: 5000,
      omitManagedFields: omit,
      onEvent: (e) => events.push(e as (typeof events)[number]),
    });
    expect(events.map((e) => e.type)).toEqual(['ADDED']);
    expect('managedFields' in (events[0]?.object.metadata ?? {})).toBe(!omit);
  });
});

describe('IdentityAgent', () => {
  const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB-test-ca\n-----END CERTIFICATE-----\n');
  const agent = new IdentityAgent({ keepAlive: true, ca });

  it('names the socket pool by origin only, so requests share sockets without re-encoding the TLS material', () => {
    const a = agent.getName({ host: '10.0.0.1', port: 6443, ca });
    expect(agent.getName({ host: '10.0.0.1', port: 6443, ca })).toBe(a);
    expect(a).not.toContain('BEGIN CERTIFICATE');
  });

  it('still keeps other hosts, ports and SNI names in pools of their own', () => {
    const a = agent.getName({ host: '10.0.0.1', port: 6443 });
    expect(agent.getName({ host: '10.0.0.2', port: 6443 })).not.toBe(a);
    expect(agent.getName({ host: '10.0.0.1', port: 8443 })).not.toBe(a);
    expect(agent.getName({ host: '10.0.0.1', port: 6443, servername: 'kubernetes' })).not.toBe(a);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeFetch } from './node-fetch.js';

let server: Server | undefined;
afterEach(
  () =>
    new Promise<void>((r) => {
      if (!server) return r();
      server.close(() => r());
      server.closeAllConnections();
    }),
);

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createNodeFetch', () => {
  it('sends method, headers and body and returns status, headers and JSON', async () => {
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-seen': req.headers['x-test'] ?? '' });
        res.end(JSON.stringify({ method: req.method, body }));
      });
    });
    const res = await createNodeFetch()(`${url}/x`, {
      method: 'POST',
      headers: { 'x-test': 'yes' },
      body: 'hi',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-seen')).toBe('yes');
    expect(await res.json()).toEqual({ method: 'POST', body: 'hi' });
  });

  it('sends the path and query of each URL, also when the same URLs come again', async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    const f = createNodeFetch();
    for (const path of ['/v1/a?x=1&y=%20z', '/v1/b', '/v1/a?x=1&y=%20z'])
      expect((await f(`${url}${path}`, { method: 'POST', body: '' })).status).toBe(200);
    expect(seen).toEqual(['POST /v1/a?x=1&y=%20z', 'POST /v1/b', 'POST /v1/a?x=1&y=%20z']);
  });

  it('streams text/event-stream bodies as they arrive', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: 2\n\n'), 50);
    });
    const res = await createNodeFetch()(url);
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toBe('data: 1\n\n');
    reader?.releaseLock();
  });

  it('gives a null body for 204 and rejects with an AbortError when the signal fires', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      }
      // /hang never answers
    });
    const f = createNodeFetch();
    const empty = await f(`${url}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    await expect(f(`${url}/hang`, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('falls back to the global fetch for non-http URLs', async () => {
    const res = await createNodeFetch()('data:text/plain,hello');
    expect(await res.text()).toBe('hello');
  });

  it('answers JSON without undici: headers by name and in order, a null body, a body read once', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-b': '2', 'x-a': '1' });
      res.end('{"ok":true}');
    });
    const res = await createNodeFetch()(url);
    expect(res.ok).toBe(true);
    expect(res.body).toBeNull();
    expect(res.headers.get('X-A')).toBe('1');
    expect([...res.headers.entries()].filter(([k]) => k.startsWith('x-'))).toEqual([
      ['x-a', '1'],
      ['x-b', '2'],
    ]);
    expect(await res.json()).toEqual({ ok: true });
    await expect(res.text()).rejects.toThrow(/already been read/);
  });

  it('serves the openai SDK: a completion, and a status error with its message and headers', async () => {
    let calls = 0;
    const url = await serve((req, res) => {
      calls += 1;
      if (req.headers['x-fail']) {
        res.writeHead(400, { 'content-type': 'application/json', 'x-request-id': 'up-1' });
        res.end(JSON.stringify({ error: { message: 'bad model', type: 'invalid_request_error' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          created: 0,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        }),
      );
    });
    const client = new OpenAI({ apiKey: 'k', baseURL: url, maxRetries: 0, fetch: createNodeFetch() });
    const ok = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(ok.choices[0]?.message.content).toBe('hi');
    const failed = client.chat.completions.create(
      { model: 'm', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-fail': '1' } },
    );
    await expect(failed).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('bad model'),
      requestID: 'up-1',
    });
    expect(calls).toBe(2);
  });
});

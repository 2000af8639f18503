// The HTTP surface without a cluster: guards, headers, the asset whitelist and the event stream's framing.
// The cluster state is empty (its informers never start); pages against a real cluster are covered by
// test/dashboard/dashboard.test.ts in a real browser.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../kube/api-client.js';
import { createLogger } from '../../observability/logger.js';
import { ClusterState } from './cluster-state.js';
import { DashboardServer } from './server.js';

const log = createLogger({ level: 'silent' });
const client = new KubeClient({
  prepare: async () => 'http://127.0.0.1:9',
} as unknown as ConstructorParameters<typeof KubeClient>[0]);
const state = new ClusterState({ client, namespaces: ['shop'], log });
const server = new DashboardServer({
  state,
  client,
  log,
  scope: 'shop',
  token: 'tok',
  now: () => new Date(),
});
let base = '';
let port = 0;

function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (
            res.headers['content-type']?.startsWith('text/event-stream') &&
            text.includes('event: region')
          ) {
            res.destroy();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

beforeAll(async () => {
  base = await server.listen(0);
  port = Number(new URL(base).port);
});
afterAll(async () => {
  await server.close();
});

describe('DashboardServer', () => {
  it('serves pages with a strict Content-Security-Policy and the page token', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(r.text).toContain('<meta name="dashboard-token" content="tok">');
    expect(r.text).toContain('data-stream="/events?view=overview"');
  });

  it('refuses a request addressed to another host name (DNS rebinding)', async () => {
    expect((await get('/', { Host: `attacker.example:${port}` })).status).toBe(403);
  });

  it('serves the listed assets only', async () => {
    const js = await get('/static/uPlot.esm.js');
    expect(js.status).toBe(200);
    expect(String(js.headers['content-type'])).toMatch(/^text\/javascript/);
    expect((await get('/static/app.js')).text).toContain('EventSource');
    expect((await get('/static/../server.ts')).status).toBe(404);
    expect((await get('/static/server.ts')).status).toBe(404);
  });

  it('refuses a control request from another origin or without the token, before touching the cluster', async () => {
    const body = JSON.stringify({ action: 'promote' });
    const json = { 'Content-Type': 'application/json' };
    const foreign = await get(
      '/api/releases/shop/orch/control',
      { ...json, Origin: 'http://evil.example', 'X-Dashboard-Token': 'tok' },
      'POST',
      body,
    );
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text).error).toContain('not from http://evil.example');
    const noToken = await get(
      '/api/releases/shop/orch/control',
      { ...json, Origin: base.slice(0, -1) },
      'POST',
      body,
    );
    expect(JSON.parse(noToken.text).error).toContain('token');
    const badAction = await get(
      '/api/releases/shop/orch/control',
      { ...json, Origin: base.slice(0, -1), 'X-Dashboard-Token': 'tok' },
      'POST',
      JSON.stringify({ action: 'delete' }),
    );
    expect(badAction.status).toBe(400);
    expect(JSON.parse(badAction.text).error).toContain('promote, promoteFull, abort, retry, pause, resume');
  });

  it('streams every region of a page as server-sent events', async () => {
    const r = await get('/events?view=release&namespace=shop&name=orch');
    expect(String(r.headers['content-type'])).toMatch(/^text\/event-stream/);
    expect(r.text).toMatch(/^event: hello\nretry: 2000\ndata: \n\n/);
    const first = r.text.split('\n\n')[1] ?? '';
    expect(first).toMatch(
      /^event: region\ndata: \{"region":"summary","hash":"[\w-]+","html":".*No CanaryRelease shop\/orch/,
    );
    expect((await get('/events?view=nope')).status).toBe(400);
  });
});

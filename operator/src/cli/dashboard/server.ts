// The dashboard's HTTP server on 127.0.0.1: pages, their event streams, the control endpoint (the
// plugin's own request path, see ../control.ts), live Prometheus series and the static assets.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ControlAction } from '../../api/v1alpha1/index.js';
import { isApiError, type KubeClient } from '../../kube/api-client.js';
import type { Logger } from '../../observability/logger.js';
import { awaitAcknowledgement, type ControlTarget, controlRequest, writeControl } from '../control.js';
import { InvalidObject } from './cluster-state.js';
import { hostAllowed, PAGE_HEADERS, writeRefusal } from './guards.js';
import { liveSeries } from './live-series.js';
import { regionHash } from './pages/layout.js';
import { SseStream } from './sse.js';
import {
  diffPage,
  overviewPage,
  overviewSource,
  type RegionSource,
  releasePage,
  releaseSource,
  type ViewContext,
} from './views.js';

export interface DashboardServerOptions extends Omit<ViewContext, 'prometheus'> {
  client: KubeClient;
  log: Logger;
  prometheus?: string | undefined;
  /** How long a control request waits for the operator's answer before the page is told it is pending. */
  ackTimeoutMs?: number;
  /** Coalesces bursts of watch events into one push per page. */
  pushDelayMs?: number;
}

/** The page assets: this package's own files and uPlot's, by public name (nothing else is served). */
function staticFiles(): Map<string, { file: string; type: string }> {
  const here = fileURLToPath(new URL('./static/', import.meta.url));
  // Compiled to dist/, the assets stay in src/ (tsc copies no files).
  const dir = existsSync(here)
    ? here
    : fileURLToPath(new URL('../../../src/cli/dashboard/static/', import.meta.url));
  const require = createRequire(import.meta.url);
  return new Map([
    ['/static/app.js', { file: `${dir}app.js`, type: 'text/javascript' }],
    ['/static/charts.js', { file: `${dir}charts.js`, type: 'text/javascript' }],
    ['/static/base.css', { file: `${dir}base.css`, type: 'text/css' }],
    ['/static/pages.css', { file: `${dir}pages.css`, type: 'text/css' }],
    ['/static/uPlot.esm.js', { file: require.resolve('uplot/dist/uPlot.esm.js'), type: 'text/javascript' }],
    ['/static/uPlot.min.css', { file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css' }],
  ]);
}

function send(res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8') {
  res.writeHead(code, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

const sendJson = (res: ServerResponse, code: number, body: unknown) =>
  send(res, code, JSON.stringify(body), 'application/json; charset=utf-8');

async function readBody(req: IncomingMessage, limit = 4096): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > limit) throw new Error('request body too large');
  }
  return body;
}

export class DashboardServer {
  private readonly server: Server;
  private readonly files = staticFiles();
  private readonly streams = new Set<SseStream>();
  private port = 0;

  constructor(private readonly opts: DashboardServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        opts.log.error({ err: String(err), url: req.url }, 'dashboard request failed');
        if (!res.headersSent) send(res, 500, 'internal error');
        else res.end();
      });
    });
  }

  private get ctx(): ViewContext {
    return { ...this.opts, prometheus: this.opts.prometheus !== undefined };
  }

  /** Listens on 127.0.0.1 (never another interface); `port` 0 picks a free one. */
  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/`;
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, this.port)) return send(res, 403, 'this dashboard answers on 127.0.0.1 only');
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return send(res, 400, 'malformed path');
    }
    const get = req.method === 'GET' || req.method === 'HEAD';
    const html = (body: { value: string }) => {
      res.writeHead(200, PAGE_HEADERS);
      res.end(body.value);
    };
    if (get && url.pathname === '/healthz') return send(res, 200, 'ok');
    if (get && url.pathname === '/') return html(overviewPage(this.ctx));
    if (get && parts[0] === 'releases' && parts.length === 3)
      return html(releasePage(this.ctx, parts[1]!, parts[2]!));
    if (get && parts[0] === 'diff' && parts.length === 4)
      return html(diffPage(this.ctx, parts[1]!, parts[2]!, parts[3]!));
    if (get && url.pathname === '/events') return this.stream(url, res);
    if (get && this.files.has(url.pathname)) {
      const f = this.files.get(url.pathname)!;
      res.writeHead(200, {
        'Content-Type': `${f.type}; charset=utf-8`,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      return void res.end(readFileSync(f.file));
    }
    if (parts[0] === 'api' && parts[1] === 'releases' && parts.length === 5) {
      const target: ControlTarget = { kind: 'CanaryRelease', namespace: parts[2]!, name: parts[3]! };
      if (parts[4] === 'control' && req.method === 'POST') return this.control(req, res, target);
      if (parts[4] === 'live' && get) return this.live(res, target);
    }
    send(res, 404, 'not found');
  }

  /** An event stream of a page's regions: all of them at once, then the ones that change. */
  private stream(url: URL, res: ServerResponse): void {
    const view = url.searchParams.get('view');
    const ns = url.searchParams.get('namespace');
    const name = url.searchParams.get('name');
    let source: RegionSource;
    if (view === 'overview') source = overviewSource(this.ctx);
    else if (view === 'release' && ns && name) source = releaseSource(this.ctx, ns, name);
    else {
      send(res, 400, 'view=overview, or view=release with namespace and name');
      return;
    }
    const stream = new SseStream(res);
    this.streams.add(stream);
    const sent = new Map<string, string>();
    const push = () => {
      for (const [region, markup] of Object.entries(source())) {
        if (sent.get(region) === markup.value) continue;
        sent.set(region, markup.value);
        const hash = regionHash(markup.value);
        stream.send({ event: 'region', data: JSON.stringify({ region, hash, html: markup.value }) });
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = this.opts.state.onChange(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        if (stream.isOpen) push();
      }, this.opts.pushDelayMs ?? 50);
    });
    stream.onClose(() => {
      clearTimeout(timer);
      unsubscribe();
      this.streams.delete(stream);
    });
    push();
  }

  /** Writes a control request exactly as `kubectl agentarmy <action>` does and waits for the answer. */
  private async control(req: IncomingMessage, res: ServerResponse, target: ControlTarget): Promise<void> {
    const refusal = writeRefusal(req, this.port, this.opts.token);
    if (refusal) return sendJson(res, 403, { error: refusal });
    let action: ControlAction;
    try {
      action = ControlAction.parse((JSON.parse(await readBody(req)) as { action?: unknown }).action);
    } catch {
      return sendJson(res, 400, {
        error: `body must be {"action": one of ${ControlAction.options.join(', ')}}`,
      });
    }
    const request = controlRequest({ command: action }, this.opts.now());
    try {
      await writeControl(this.opts.client, target, request);
    } catch (err) {
      const code = isApiError(err) && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 502;
      this.opts.log.warn({ err: String(err), ...target, action }, 'control request refused');
      return sendJson(res, code, { error: err instanceof Error ? err.message : String(err) });
    }
    this.opts.log.info({ ...target, action, id: request.id }, 'control request written');
    const result = await awaitAcknowledgement(
      this.opts.client,
      target,
      request.id,
      this.opts.ackTimeoutMs ?? 30_000,
    );
    sendJson(res, result ? 200 : 202, { request: { id: request.id, action }, ...(result ? { result } : {}) });
  }

  private async live(res: ServerResponse, target: ControlTarget): Promise<void> {
    const prometheus = this.opts.prometheus;
    if (!prometheus)
      return sendJson(res, 404, { error: 'start the dashboard with --prometheus URL for live series' });
    const release = this.opts.state.release(target.namespace, target.name);
    if (!release || release instanceof InvalidObject) return sendJson(res, 404, { error: 'no such release' });
    const semver = (name: string | undefined) => {
      const v = name ? this.opts.state.version(target.namespace, name) : undefined;
      return v && !(v instanceof InvalidObject) ? v.spec.version : (name ?? '');
    };
    const s = release.status;
    if (!s?.toVersion) return sendJson(res, 200, { metrics: [] });
    const versions = { canary: semver(s.toVersion), stable: semver(s.fromVersion) };
    sendJson(res, 200, { metrics: await liveSeries(prometheus, release, versions, this.opts.now()) });
  }
}

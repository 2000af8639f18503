// The test Gateway dataplane (docs/gateway-dataplane.md): one process per Gateway, run as a pod on the real
// node. It polls the HTTPRoutes of its namespace attached to its Gateway and the namespace's Services,
// serves HTTP on PORT by routing.ts' decisions (weighted backendRef per request, RequestMirror copies sent
// fire-and-forget), forwards to the backend Service's ClusterIP (kube-proxy picks the pod) and reports
// what it serves: route status (route-status.ts) and GET /debug on ADMIN_PORT.
//   env: GATEWAY_NAME, GATEWAY_NAMESPACE, PORT (8080), ADMIN_PORT (8081), SYNC_MS (250)
import http from 'node:http';
import { inClusterRest, type KubeRest } from './kube-rest.js';
import {
  judgeRoute,
  parentsWith,
  type RouteVerdict,
  resolveBackend,
  type ServiceView,
  verdictKey,
} from './route-status.js';
import {
  type BackendRef,
  type Candidate,
  candidates,
  type GatewayId,
  type HttpRoute,
  mirrorsFor,
  parentRefTo,
  pickBackend,
  selectRule,
} from './routing.js';

const log = (msg: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...extra })}\n`);

interface Counters {
  /** Requests per "<route>#<rule> <service>" forwarded. */
  forwarded: Record<string, number>;
  /** Mirror copies per Service: sent, answered (any status), failed (no answer). */
  mirrors: Record<string, { sent: number; answered: number; failed: number }>;
  unmatched: number;
  noBackend: number;
  upstreamErrors: number;
}

export class Dataplane {
  private table: Candidate[] = [];
  private services: ServiceView[] = [];
  private verdicts = new Map<string, RouteVerdict>();
  private written = new Map<string, string>();
  private synced = false;
  private readonly counters: Counters = {
    forwarded: {},
    mirrors: {},
    unmatched: 0,
    noBackend: 0,
    upstreamErrors: 0,
  };
  // A connection per forwarded request, as a client with keep-alive off: kube-proxy picks a pod per
  // connection, and no request is sent on a pooled socket the backend is closing (a 502 race).
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(
    private readonly gw: GatewayId,
    private readonly kube: KubeRest,
  ) {}

  /** One poll: rebuild the routing table, then write the status of what changed (after it serves). */
  async sync(): Promise<void> {
    const ns = encodeURIComponent(this.gw.namespace);
    const [routes, services] = await Promise.all([
      this.kube.list<HttpRoute>(`/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`),
      this.kube.list<ServiceView>(`/api/v1/namespaces/${ns}/services`),
    ]);
    const attached = routes.filter((r) => parentRefTo(r, this.gw));
    const verdicts = new Map(attached.map((r) => [r.metadata.name, judgeRoute(r, services)]));
    this.services = services;
    this.table = candidates(
      attached.filter((r) => verdicts.get(r.metadata.name)?.accepted.status === 'True'),
    );
    this.verdicts = verdicts;
    this.synced = true;
    for (const route of attached) {
      const v = verdicts.get(route.metadata.name);
      const parentRef = parentRefTo(route, this.gw);
      if (!v || !parentRef || this.written.get(route.metadata.name) === verdictKey(v)) continue;
      const parents = parentsWith(route, parentRef, v, new Date().toISOString());
      await this.kube.mergePatch(
        `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/${encodeURIComponent(route.metadata.name)}/status`,
        { status: { parents } },
      );
      this.written.set(route.metadata.name, verdictKey(v));
      log('route status written', { route: route.metadata.name, ...v });
    }
  }

  ready(): boolean {
    return this.synced;
  }

  debug() {
    return {
      gateway: this.gw,
      routes: Object.fromEntries(this.verdicts),
      counters: this.counters,
    };
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const c = selectRule(this.table, {
      method: req.method ?? 'GET',
      host: req.headers.host ?? '',
      path: req.url ?? '/',
      headers: req.headers,
    });
    if (!c) {
      this.counters.unmatched++;
      return answer(res, 404, 'no HTTPRoute rule matches');
    }
    const ns = c.route.metadata.namespace;
    for (const m of mirrorsFor(c.rule, Math.random)) this.mirror(m, ns, req, body);
    const ref = pickBackend(c.rule.backendRefs ?? [], Math.random());
    const target = ref ? resolveBackend(ref, ns, this.services) : undefined;
    if (!ref || !target?.ok) {
      this.counters.noBackend++;
      return answer(res, 500, ref ? `backend ${ref.name} not resolved` : 'no backendRef with weight > 0');
    }
    const key = `${c.route.metadata.name}#${c.ruleIndex} ${ref.name}`;
    this.counters.forwarded[key] = (this.counters.forwarded[key] ?? 0) + 1;
    const up = http.request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardHeaders(req, body),
        agent: this.agent,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (err) => {
      this.counters.upstreamErrors++;
      if (!res.headersSent) answer(res, 502, `upstream ${ref.name}: ${err.message}`);
      else res.destroy();
    });
    up.end(body);
  }

  /** A copy to the mirror backend; its answer is read and dropped, its failure only counted. */
  private mirror(ref: BackendRef, ns: string, req: http.IncomingMessage, body: Buffer): void {
    const m = this.counters.mirrors[ref.name] ?? { sent: 0, answered: 0, failed: 0 };
    this.counters.mirrors[ref.name] = m;
    const target = resolveBackend(ref, ns, this.services);
    m.sent++;
    if (!target.ok) {
      m.failed++;
      return;
    }
    const copy = http.request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardHeaders(req, body),
        agent: this.agent,
      },
      (r) => {
        m.answered++;
        r.resume();
      },
    );
    copy.on('error', () => m.failed++);
    copy.end(body);
  }
}

function forwardHeaders(req: http.IncomingMessage, body: Buffer): http.OutgoingHttpHeaders {
  const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...rest } = req.headers;
  const xff = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
  return { ...rest, 'content-length': body.length, 'x-forwarded-for': xff };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1024 * 1024) req.destroy(new Error('body over 1 MiB'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: http.ServerResponse, status: number, message: string): void {
  const text = JSON.stringify({ error: message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function main(): Promise<void> {
  const gw = {
    name: process.env.GATEWAY_NAME ?? 'gateway',
    namespace: process.env.GATEWAY_NAMESPACE ?? 'default',
  };
  const dp = new Dataplane(gw, inClusterRest());
  const syncMs = Number(process.env.SYNC_MS ?? 250);
  const loop = async () => {
    try {
      await dp.sync();
    } catch (err) {
      log('sync failed', { error: (err as Error).message });
    }
    setTimeout(loop, syncMs);
  };
  await loop();
  http
    .createServer((req, res) => {
      dp.handle(req, res).catch((err: Error) => answer(res, 500, err.message));
    })
    .listen(Number(process.env.PORT ?? 8080));
  http
    .createServer((req, res) => {
      if (req.url === '/healthz')
        return answer(res, dp.ready() ? 200 : 503, dp.ready() ? 'ok' : 'not synced');
      const text = JSON.stringify(dp.debug());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
    })
    .listen(Number(process.env.ADMIN_PORT ?? 8081));
  log('test gateway dataplane listening', { gateway: gw });
}

// A load generator that runs as a pod, so traffic reaches agents through their real Service (kube-proxy
// picks the pod of each new connection) as a user's client would. Tests and the demo drive it over HTTP:
//   POST /start {"target":"http://svc.ns.svc:8080/v1/invoke","rps":40,"keepAlive":false}   starts a run
//   GET  /stats                                                        counts so far
//   POST /stop                                                         stops; answers the final counts
// Requests are open-loop at a fixed rate over keep-alive connections. Every answer is counted by the second
// it was sent in and by who answered (the runtime's x-agent-version / x-agent-track headers), so a test can
// read the traffic share of each track over any window; failures (non-2xx, connection errors, timeouts)
// are also listed with their time.
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

const startSchema = z.object({
  target: z.url(),
  rps: z.number().positive().max(2000),
  timeoutMs: z.int().positive().max(120_000).default(10_000),
  /**
   * Reuse connections (default). false opens one connection per request, so kube-proxy, which balances
   * connections, not requests, spreads every request over the Service's ready pods.
   */
  keepAlive: z.boolean().default(true),
  body: z.unknown().optional(),
});

export interface SecondCounts {
  /** Unix time in whole seconds (send time). */
  second: number;
  /** "<version>/<track>/<status>" → answers; status is the HTTP status or "error". */
  counts: Record<string, number>;
}

export interface LoadFailure {
  /** Send time, ms since the epoch. */
  at: number;
  status: number | 'error';
  version?: string;
  track?: string;
  detail?: string;
}

export interface LoadStats {
  running: boolean;
  target?: string;
  rps?: number;
  startedAt?: number;
  sent: number;
  answered: number;
  failed: number;
  inFlight: number;
  seconds: SecondCounts[];
  failures: LoadFailure[];
}

const MAX_FAILURES = 2000;
const MAX_SECONDS = 3600;

export class LoadRun {
  private timer: NodeJS.Timeout | undefined;
  private readonly agent: Agent;
  private readonly bySecond = new Map<number, Record<string, number>>();
  readonly failures: LoadFailure[] = [];
  sent = 0;
  answered = 0;
  failed = 0;
  inFlight = 0;
  readonly startedAt = Date.now();

  constructor(private readonly opts: z.infer<typeof startSchema>) {
    this.agent = new Agent({ keepAlive: opts.keepAlive, maxSockets: 64 });
  }

  start(): void {
    // Due requests follow the clock, not the timer's ticks, so a late tick catches up.
    const t0 = Date.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) * this.opts.rps) / 1000);
      while (this.sent < due) this.fire();
    }, 10);
  }

  /** Stops sending; answers still on their way are counted, then the connections close. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.inFlight === 0) this.agent.destroy();
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private count(at: number, key: string): void {
    const second = Math.floor(at / 1000);
    let counts = this.bySecond.get(second);
    if (!counts) {
      counts = {};
      this.bySecond.set(second, counts);
      if (this.bySecond.size > MAX_SECONDS) this.bySecond.delete(this.bySecond.keys().next().value ?? 0);
    }
    counts[key] = (counts[key] ?? 0) + 1;
  }

  private fail(f: LoadFailure): void {
    this.failed += 1;
    if (this.failures.length < MAX_FAILURES) this.failures.push(f);
  }

  private fire(): void {
    const at = Date.now();
    const n = ++this.sent;
    this.inFlight += 1;
    const body = JSON.stringify(
      this.opts.body ?? { messages: [{ role: 'user', content: `Where is order ${n}?` }] },
    );
    let done = false;
    const finish = (status: number | 'error', res?: IncomingMessage, detail?: string) => {
      if (done) return;
      done = true;
      this.inFlight -= 1;
      if (!this.timer && this.inFlight === 0) this.agent.destroy();
      const version = header(res, 'x-agent-version');
      const track = header(res, 'x-agent-track');
      this.count(at, `${version ?? '-'}/${track ?? '-'}/${status}`);
      if (status === 'error' || status < 200 || status >= 300) {
        this.fail({
          at,
          status,
          ...(version ? { version } : {}),
          ...(track ? { track } : {}),
          ...(detail ? { detail } : {}),
        });
      } else this.answered += 1;
    };
    const req = request(
      this.opts.target,
      {
        method: 'POST',
        agent: this.agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: this.opts.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => finish(res.statusCode ?? 0, res));
        res.on('error', (err) => finish('error', res, err.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${this.opts.timeoutMs} ms`)));
    req.on('error', (err) => finish('error', undefined, err.message));
    req.end(body);
  }

  stats(): LoadStats {
    return {
      running: this.running,
      target: this.opts.target,
      rps: this.opts.rps,
      startedAt: this.startedAt,
      sent: this.sent,
      answered: this.answered,
      failed: this.failed,
      inFlight: this.inFlight,
      seconds: [...this.bySecond].map(([second, counts]) => ({ second, counts: { ...counts } })),
      failures: [...this.failures],
    };
  }
}

function header(res: IncomingMessage | undefined, name: string): string | undefined {
  const v = res?.headers[name];
  return typeof v === 'string' && v.length <= 64 ? v : undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('body over 64 KiB');
    chunks.push(chunk as Buffer);
  }
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

export function startLoadServer(port: number, host = '0.0.0.0'): Promise<{ url: string; close(): void }> {
  let run: LoadRun | undefined;
  const server = createServer((req, res) => {
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    if (route === 'GET /stats') return send(res, 200, run?.stats() ?? { running: false, sent: 0 });
    if (route === 'GET /healthz') return send(res, 200, { status: 'ok' });
    if (route === 'POST /stop') {
      run?.stop();
      return send(res, 200, run?.stats() ?? { running: false, sent: 0 });
    }
    if (route === 'POST /start') {
      readJson(req).then(
        (body) => {
          const parsed = startSchema.safeParse(body);
          if (!parsed.success) return send(res, 400, { error: z.prettifyError(parsed.error) });
          run?.stop();
          run = new LoadRun(parsed.data);
          run.start();
          send(res, 200, { started: true, target: parsed.data.target, rps: parsed.data.rps });
        },
        (err: Error) => send(res, 400, { error: err.message }),
      );
      return;
    }
    send(res, 404, { error: `no route ${route}` });
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${bound}`,
        close: () => {
          run?.stop();
          server.close();
        },
      });
    });
  });
}

const isMain =
  process.argv[1]?.endsWith('load-generator.js') || process.argv[1]?.endsWith('load-generator.ts');
if (isMain) {
  const { url } = await startLoadServer(Number(process.env.PORT ?? 8080));
  process.stdout.write(`${JSON.stringify({ msg: 'load generator listening', url })}\n`);
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

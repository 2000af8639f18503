// A small JSON client for the Kubernetes API; auth and TLS come from a KubeAccess (kube-access.ts). Responses stay plain JSON; watches are streamed line by line with clean cancellation
// (aborting a watch resolves, it is not an error) and an idle watchdog for half-open connections.
// Every non-GET request is counted in `agentarmy_api_writes_total{verb,kind}`.
import http from 'node:http';
import https from 'node:https';
import type { RuntimeMetrics } from '../observability/metrics.js';
import { fromKubeConfig, type KubeAccess, type KubeConfigLike } from './kube-access.js';
import { withoutManagedFields } from './managed-fields.js';
import { memoByObject } from './memo.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface Status {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

/** A non-2xx answer from the API server (or a watch ERROR event), with the Status it carried. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly status: Status | undefined,
    context: string,
  ) {
    super(`${context}: ${statusCode} ${status?.reason ?? ''} ${status?.message ?? ''}`.trim());
    this.name = 'ApiError';
  }
}

export function isApiError(err: unknown, code?: number): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.statusCode === code);
}

export type WriteVerb = 'apply' | 'patch' | 'create' | 'update' | 'delete';

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  /** For writes: what to count in the writes metric. */
  write?: { verb: WriteVerb; kind: string };
  /**
   * The caller does not read a successful answer: it is drained unparsed and the call resolves undefined
   * (an apply answers with the whole object, a few KB of JSON per child). Errors are parsed as always.
   */
  discardResponse?: boolean;
  /** Drop every metadata.managedFields from the answer before parsing it (see managed-fields.ts). */
  omitManagedFields?: boolean;
  /** Cancels the request (e.g. the reconcile's deadline passed, or leadership was lost). */
  signal?: AbortSignal;
  /** Overrides the client's timeout for this request. */
  timeoutMs?: number;
  /** Not subject to the write guard (the leader election's own Lease writes). */
  unfenced?: boolean;
}

/** A write refused before it was sent because this replica may not write now (it does not lead). */
export class WriteFencedError extends Error {
  override name = 'WriteFencedError';
}

/** A request that did not finish in time or was cancelled; no answer was read. */
export class RequestAbortedError extends Error {
  override name = 'RequestAbortedError';
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

export interface WatchOptions {
  path: string;
  query: Query;
  onEvent: (event: WatchEvent) => void;
  signal: AbortSignal;
  /** Fail the watch when no bytes arrive for this long. */
  idleTimeoutMs: number;
  /** Drop metadata.managedFields from each event before parsing it (see managed-fields.ts). */
  omitManagedFields?: boolean;
}

export class KubeClient {
  private agents = new Map<string, http.Agent>();
  readonly access: KubeAccess;
  /**
   * Asked before every write (any method but GET): a reason means the write is refused unsent. The
   * manager sets it under leader election, so a replica that no longer holds the lease — e.g. one paused
   * past its lease and resumed — writes nothing, even for work that was already in flight.
   */
  writeGuard: (() => string | undefined) | undefined;

  /** `access` may be a client-node KubeConfig (tests and tools use one). */
  constructor(
    access: KubeAccess | KubeConfigLike,
    readonly metrics?: RuntimeMetrics,
    /** Every request (not watches) fails after this long unless it sets its own timeout. */
    readonly timeoutMs = 30_000,
  ) {
    this.access = 'prepare' in access ? access : fromKubeConfig(access);
  }

  async request<T>(opts: RequestOptions): Promise<T> {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      // A fixed length, not chunked encoding: the apiserver answered chunked DELETE/PATCH bodies on reused
      // keep-alive sockets with an occasional bare "400 Bad Request".
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    if (opts.signal?.aborted) throw new RequestAbortedError(`${opts.method} ${opts.path} cancelled`);
    const fenced = opts.method !== 'GET' && !opts.unfenced ? this.writeGuard?.() : undefined;
    if (fenced) throw new WriteFencedError(`${opts.method} ${opts.path} not sent: ${fenced}`);
    if (opts.write) this.metrics?.apiWrites.inc({ verb: opts.write.verb, kind: opts.write.kind });
    const { url, options, transport } = await this.prepare(opts.method, opts.path, opts.query ?? {}, headers);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<T>((resolveRequest, rejectRequest) => {
      const timer = setTimeout(
        () =>
          req.destroy(new RequestAbortedError(`${opts.method} ${opts.path} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => req.destroy(new RequestAbortedError(`${opts.method} ${opts.path} cancelled`));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const resolve = (v: T) => {
        done();
        resolveRequest(v);
      };
      const reject = (err: unknown) => {
        done();
        rejectRequest(err);
      };
      const req = transport.request(url, options, (res) => {
        const status = res.statusCode ?? 0;
        if (opts.discardResponse && status >= 200 && status < 300) {
          res.on('error', reject);
          res.on('end', () => resolve(undefined as T));
          res.resume();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          const parsed = parseJson(opts.omitManagedFields ? withoutManagedFields(text) : text);
          if (code >= 200 && code < 300) resolve(parsed as T);
          else reject(new ApiError(code, asStatus(parsed, text), `${opts.method} ${opts.path}`));
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Streams a watch. Resolves when the server ends it or `signal` aborts; rejects on errors. */
  async watch(opts: WatchOptions): Promise<void> {
    if (opts.signal.aborted) return;
    const { url, options, transport } = await this.prepare(
      'GET',
      opts.path,
      { ...opts.query, watch: true },
      { Accept: 'application/json' },
    );
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        opts.signal.removeEventListener('abort', onAbort);
        req.destroy();
        if (err && !opts.signal.aborted) reject(err);
        else resolve();
      };
      const onAbort = () => finish();
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () => finish(new Error(`watch ${opts.path} idle for ${opts.idleTimeoutMs} ms`)),
          opts.idleTimeoutMs,
        );
      };
      const req = transport.request(url, options, (res) => {
        const code = res.statusCode ?? 0;
        if (code !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            finish(new ApiError(code, asStatus(parseJson(text), text), `watch ${opts.path}`));
          });
          res.on('error', finish);
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          touch();
          buffered += chunk;
          let nl = buffered.indexOf('\n');
          while (nl >= 0 && !settled) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            nl = buffered.indexOf('\n');
            if (!line) continue;
            const event = parseJson(opts.omitManagedFields ? withoutManagedFields(line) : line) as
              | WatchEvent
              | undefined;
            if (event && typeof event === 'object' && typeof event.type === 'string') opts.onEvent(event);
          }
        });
        res.on('end', () => finish());
        res.on('close', () => finish());
        res.on('error', finish);
      });
      req.on('error', finish);
      opts.signal.addEventListener('abort', onAbort, { once: true });
      touch();
      req.end();
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private async prepare(method: string, path: string, query: Query, headers: Record<string, string>) {
    const options: https.RequestOptions = { method, headers: { ...headers } };
    // Fills in TLS material and the Authorization header (re-reading rotated token files).
    const server = await this.access.prepare(options);
    const url = new URL(server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const isHttps = url.protocol === 'https:';
    options.agent = this.agentFor(isHttps, options);
    return { url, options, transport: isHttps ? https : http };
  }

  /** One keep-alive agent per TLS identity (KubeConfig would create a fresh agent per call). */
  private agentFor(isHttps: boolean, o: https.RequestOptions): http.Agent {
    const id = isHttps
      ? `https|${material(o.ca)}|${material(o.cert)}|${o.servername ?? ''}|${o.rejectUnauthorized}`
      : 'http';
    let agent = this.agents.get(id);
    if (!agent) {
      agent = isHttps
        ? new IdentityAgent({
            keepAlive: true,
            ca: o.ca,
            cert: o.cert,
            key: o.key,
            servername: o.servername,
            ...(o.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: o.rejectUnauthorized }),
          })
        : new http.Agent({ keepAlive: true });
      this.agents.set(id, agent);
    }
    return agent;
  }
}

/**
 * A keep-alive https.Agent for one TLS identity (agentFor keys agents by it). Node's getName appends the
 * agent's CA, certificate and key to every request's pool name — converting those Buffers to text on each
 * request, several KB of garbage per call; here the name is the origin (and SNI name) alone.
 */
export class IdentityAgent extends https.Agent {
  override getName(options?: https.RequestOptions): string {
    return `${http.Agent.prototype.getName.call(this, options ?? {})}:${options?.servername ?? ''}`;
  }
}

/** TLS material as text for the agent key; the same Buffer (read once at start) is converted once. */
const bufferText = memoByObject((b: Buffer) => b.toString('latin1'));
function material(v: unknown): string {
  return Buffer.isBuffer(v) ? bufferText(v) : String(v);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asStatus(parsed: unknown, text: string): Status {
  if (parsed && typeof parsed === 'object') return parsed as Status;
  return { message: text.slice(0, 500) };
}

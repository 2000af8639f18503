// A `fetch` for the openai SDK built on node:http(s) with keep-alive agents. The global fetch (undici with
// web streams) cost about half of the runtime's CPU per call in the benchmark. This one answers ordinary
// (JSON) bodies with a small Response-like object over one Buffer — no web stream, no undici Headers —
// holding what the SDK reads of a response (status, ok, url, headers.get/entries, json(), text(), a null
// body), and wraps only event streams as web streams in a real Response. Anything it does not handle
// (non-http URLs, exotic bodies) falls back to the global fetch.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { urlToHttpOptions } from 'node:url';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** Read-only headers over node's parsed (lower-cased) headers, with the Headers methods the SDK uses. */
export class NodeHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  forEach(cb: (value: string, key: string) => void): void {
    for (const [k, v] of this.entries()) cb(v, k);
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.raw).sort()) {
      const v = this.get(k);
      if (v !== null) yield [k, v];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A response whose whole body is already in memory. */
export class BufferedResponse {
  readonly ok: boolean;
  readonly body = null;
  readonly redirected = false;
  readonly type = 'basic';
  bodyUsed = false;

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: NodeHeaders,
    readonly url: string,
    private readonly buffer: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  private consume(): Buffer {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.bodyUsed = true;
    return this.buffer;
  }
  async text(): Promise<string> {
    return this.consume().toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.consume().toString('utf8'));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.consume();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(this.consume());
  }
  async blob(): Promise<Blob> {
    return new Blob([this.consume()]);
  }
}

/** The error a request ends with when its signal fires (what node:http gives for `signal`). */
function abortError(): Error {
  return new DOMException('This operation was aborted', 'AbortError');
}

function headersOf(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) {
    h.forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(h)) {
    for (const [key, value] of h) out[(key as string).toLowerCase()] = value as string;
  } else {
    for (const key of Object.keys(h)) out[key.toLowerCase()] = (h as Record<string, string>)[key] as string;
  }
  return out;
}

/** How many distinct URLs keep their parsed request options (the SDK calls one or two). */
const URL_CACHE_SIZE = 32;

export function createNodeFetch(opts: { maxSockets?: number } = {}): typeof fetch {
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 256, scheduling: 'lifo' as const };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  // What node:http makes of a URL string (`urlToHttpOptions(new URL(href))`), parsed once per URL rather
  // than on every call.
  const parsed = new Map<string, RequestOptions>();
  const urlOptions = (href: string): RequestOptions => {
    let o = parsed.get(href);
    if (!o) {
      o = urlToHttpOptions(new URL(href));
      if (parsed.size >= URL_CACHE_SIZE) parsed.clear();
      parsed.set(href, o);
    }
    return o;
  };

  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const https = href.startsWith('https:');
    const body = init.body;
    const plainBody =
      body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    if ((!https && !href.startsWith('http:')) || !plainBody || input instanceof Request) {
      return fetch(input, init);
    }
    const send = https ? httpsRequest : httpRequest;
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<Response>((resolve, reject) => {
      // One abort listener, removed when the answer is complete (node's `signal` option also tracks the
      // stream's end, which cost more than the call on this path).
      const onAbort = () => req.destroy(abortError());
      const done = () => signal?.removeEventListener('abort', onAbort);
      const fail = (err: Error) => {
        done();
        reject(err);
      };
      const req = send(
        {
          ...urlOptions(href),
          method: init.method ?? 'GET',
          headers: headersOf(init.headers),
          agent: https ? httpsAgent : httpAgent,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const statusText = res.statusMessage ?? '';
          if ((res.headers['content-type'] ?? '').includes('text/event-stream')) {
            const headers = new Headers();
            const raw = res.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2)
              headers.append(raw[i] as string, raw[i + 1] as string);
            // The listener stays while the stream is read: an abort then ends the stream with an error.
            res.once('close', done);
            const stream = Readable.toWeb(res) as ReadableStream<Uint8Array>;
            resolve(new Response(stream, { status, statusText, headers }));
            return;
          }
          const headers = new NodeHeaders(res.headers);
          if (NULL_BODY_STATUSES.has(status)) {
            done();
            res.resume();
            resolve(
              new BufferedResponse(status, statusText, headers, href, Buffer.alloc(0)) as unknown as Response,
            );
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            done();
            const buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
            resolve(new BufferedResponse(status, statusText, headers, href, buffer) as unknown as Response);
          });
          res.on('error', fail);
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.end(body ?? undefined);
    });
  };
  return nodeFetch as typeof fetch;
}

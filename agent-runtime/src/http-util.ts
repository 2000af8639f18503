// Small helpers shared by the HTTP handlers: bounded body reading, JSON answers, request ids.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error that maps to an HTTP answer `{ error: { type, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: { type: err.type, message: err.message } }, err.headers);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's x-request-id when it is a sane token, otherwise a fresh UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Reads the whole body, refusing (413) more than `limit` bytes without buffering them. */
export function readBody(req: IncomingMessage, limit: number, timeoutMs = 0): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(
      new HttpError(413, 'payload_too_large', `request body is ${declared} bytes; the limit is ${limit}`, {
        connection: 'close',
      }),
    );
  }
  // Plain listeners rather than `for await`: an async iterator per request cost more than the read.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (buf: Buffer) => {
      size += buf.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(
          new HttpError(413, 'payload_too_large', `request body exceeds the limit of ${limit} bytes`, {
            connection: 'close',
          }),
        );
        return;
      }
      chunks.push(buf);
    };
    // A caller that sends its body slowly gets 408, and its connection closes, after `timeoutMs`.
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            req.off('data', onData);
            reject(
              new HttpError(408, 'body_timeout', `the request body did not arrive within ${timeoutMs} ms`, {
                connection: 'close',
              }),
            );
          }, timeoutMs)
        : undefined;
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Parses a JSON body; a syntax error becomes a 400 that quotes the parser's reason. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, 'invalid_json', 'request body is empty; expected JSON');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

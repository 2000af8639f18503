// What keeps a local dashboard local. It listens on 127.0.0.1 only, and it acts with the user's own
// credentials, so a web page from elsewhere must not be able to use it:
// - every request must name this server in Host (a DNS-rebinding site reaches 127.0.0.1 under its own
//   host name and is refused);
// - a write must come from this origin (Origin header), carry the token the page was served with (a page
//   from another origin cannot read it) and be JSON (which a cross-origin form cannot send).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-dashboard-token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The Host values under which this server may be addressed. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function hostAllowed(req: Pick<IncomingMessage, 'headers'>, port: number): boolean {
  const host = req.headers.host?.toLowerCase();
  return host !== undefined && allowedHosts(port).has(host);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Why a write request is refused, or undefined when it may proceed. */
export function writeRefusal(
  req: Pick<IncomingMessage, 'headers'>,
  port: number,
  token: string,
): string | undefined {
  const origin = req.headers.origin;
  if (!origin) return 'a write needs an Origin header';
  let originHost: string;
  try {
    const u = new URL(origin);
    originHost = u.protocol === 'http:' ? u.host.toLowerCase() : '';
  } catch {
    return 'the Origin header is not a URL';
  }
  if (!allowedHosts(port).has(originHost) || originHost !== req.headers.host?.toLowerCase()) {
    return `writes are accepted from this dashboard only, not from ${origin}`;
  }
  const sent = req.headers[TOKEN_HEADER];
  if (typeof sent !== 'string' || !sameToken(sent, token)) return 'missing or wrong dashboard token';
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) return 'a write must be application/json';
  return undefined;
}

/** Headers on every HTML answer: scripts and connections from this server only, no framing. */
export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

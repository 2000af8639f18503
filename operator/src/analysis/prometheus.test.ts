import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_ANSWER_BYTES, setMetricsPolicy } from './metrics-policy.js';
import {
  createPrometheusProvider,
  interpretQueryResponse,
  prometheusProviderFromSpec,
} from './prometheus.js';
import { MetricQueryError } from './provider.js';

const vector = (...values: string[]) => ({
  status: 'success',
  data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { pod: `p${i}` }, value: [1, v] })) },
});

describe('interpretQueryResponse', () => {
  it.each([
    ['one vector sample', vector('0.25'), 0.25],
    ['a scalar', { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } }, 3],
    ['an empty vector (no data)', vector(), undefined],
    ['NaN (no data)', vector('NaN'), undefined],
    ['+Inf (no data)', vector('+Inf'), undefined],
    ['-Inf (no data)', vector('-Inf'), undefined],
  ])('reads %s', (_what, body, expected) => {
    expect(interpretQueryResponse(body)).toBe(expected);
  });

  it.each([
    ['several series', vector('1', '2'), 'ambiguous', /2 series .*aggregate it/],
    ['a matrix', { status: 'success', data: { resultType: 'matrix', result: [] } }, 'bad-response', /matrix/],
    [
      'a Prometheus error',
      { status: 'error', errorType: 'bad_data', error: 'parse error' },
      'query',
      /bad_data: parse error/,
    ],
    ['a garbage value', vector('zzz'), 'bad-response', /non-numeric/],
    ['a body that is not a response', { hello: 1 }, 'bad-response', /not a query response/],
  ])('rejects %s with a typed error', (_what, body, kind, message) => {
    let caught: unknown;
    try {
      interpretQueryResponse(body);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MetricQueryError);
    expect((caught as MetricQueryError).kind).toBe(kind);
    expect((caught as MetricQueryError).message).toMatch(message);
  });
});

interface Seen {
  method?: string;
  url?: string;
  authorization?: string | undefined;
  form?: URLSearchParams;
}

describe('createPrometheusProvider over HTTP', () => {
  let server: Server;
  let base: string;
  let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  const seen: Seen = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        Object.assign(seen, {
          method: req.method,
          url: req.url,
          authorization: req.headers.authorization,
          form: new URLSearchParams(body),
        });
        handler(req, res, body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const json = (status: number, body: unknown) => (_q: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  it('POSTs the query as a form to <address>/api/v1/query, keeping a path prefix, and reads the value', async () => {
    handler = json(200, vector('0.3'));
    const p = createPrometheusProvider({ address: `${base}/prom/`, timeoutMs: 2000 });
    await expect(p.query('sum(up{job="x"})')).resolves.toBe(0.3);
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/prom/api/v1/query');
    expect(seen.form?.get('query')).toBe('sum(up{job="x"})');
    expect(seen.form?.get('timeout')).toBe('2s');
    expect(seen.authorization).toBeUndefined();
  });

  it('sends the bearer token (trimmed) and never puts it in an error message', async () => {
    handler = json(503, { unexpected: true });
    const p = createPrometheusProvider({ address: base, bearerToken: 's3cr3t-token\n' });
    const err = await p.query('up').catch((e: unknown) => e);
    expect(seen.authorization).toBe('Bearer s3cr3t-token');
    expect(err).toBeInstanceOf(MetricQueryError);
    expect((err as MetricQueryError).kind).toBe('http');
    expect((err as Error).message).toContain('HTTP 503');
    expect((err as Error).message).not.toContain('s3cr3t');
    expect(p.description).not.toContain('s3cr3t');
  });

  it('reports a Prometheus 400 error document as a query error with its message', async () => {
    handler = json(400, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected }' });
    const err = (await createPrometheusProvider({ address: base })
      .query('up}')
      .catch((e: unknown) => e)) as MetricQueryError;
    expect(err.kind).toBe('query');
    expect(err.message).toContain('parse error: unexpected }');
  });

  it('reports a non-JSON answer (e.g. a proxy page) as an http error', async () => {
    handler = (_q, res) => res.writeHead(502).end('<html>bad gateway</html>');
    const err = (await createPrometheusProvider({ address: base })
      .query('up')
      .catch((e: unknown) => e)) as MetricQueryError;
    expect(err.kind).toBe('http');
    // The status message says what happened, never what the answer said.
    expect(err.message).toMatch(/HTTP 502 with a body that is not JSON \(24 bytes\)/);
    expect(err.message).not.toContain('bad gateway');
  });

  it('does not follow a redirect: the credential never reaches where it points', async () => {
    let elsewhere = 0;
    const other = createServer((_req, res) => {
      elsewhere += 1;
      res.end('{}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/api/v1/query`;
    handler = (_q, res) => res.writeHead(307, { location: target }).end();
    const err = (await createPrometheusProvider({ address: base, bearerToken: 'secret-token' })
      .query('up')
      .catch((e: unknown) => e)) as MetricQueryError;
    other.close();
    expect(err.kind).toBe('http');
    expect(err.message).toMatch(/redirect \(HTTP 307\); redirects are not followed/);
    expect(elsewhere).toBe(0);
  });

  it.each([
    ['declared with content-length', true],
    ['streamed without a length', false],
  ])('refuses an answer over the size cap (%s)', async (_what, declared) => {
    const big = JSON.stringify({ status: 'success', padding: 'x'.repeat(64 * 1024) });
    handler = (_q, res) => {
      res.writeHead(200, declared ? { 'content-length': Buffer.byteLength(big) } : {});
      res.end(big);
    };
    const err = (await createPrometheusProvider({ address: base, maxAnswerBytes: 16 * 1024 })
      .query('up')
      .catch((e: unknown) => e)) as MetricQueryError;
    expect(err.kind).toBe('bad-response');
    expect(err.message).toMatch(/over the 16384-byte limit/);
  });

  it("cuts and cleans Prometheus's own error text before it reaches a status message", async () => {
    handler = json(400, {
      status: 'error',
      errorType: 'bad_data',
      error: `evil\u001b[31m${'y'.repeat(500)}`,
    });
    const err = (await createPrometheusProvider({ address: base })
      .query('up')
      .catch((e: unknown) => e)) as MetricQueryError;
    expect(err.kind).toBe('query');
    expect(err.message).not.toContain('\u001b');
    expect(err.message.length).toBeLessThan(260);
  });

  it('times out a query that gets no answer', async () => {
    handler = () => {}; // never answers
    const started = Date.now();
    const err = (await createPrometheusProvider({ address: base, timeoutMs: 200 })
      .query('up')
      .catch((e: unknown) => e)) as MetricQueryError;
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/timed out after 200ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops when the caller aborts', async () => {
    handler = () => {};
    const ac = new AbortController();
    const pending = createPrometheusProvider({ address: base, timeoutMs: 10_000 }).query('up', {
      signal: ac.signal,
    });
    ac.abort();
    const err = (await pending.catch((e: unknown) => e)) as MetricQueryError;
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/cancelled/);
  });

  it('builds from the spec: spec timeout and the bearer token from the caller', async () => {
    handler = json(200, vector('1'));
    const p = prometheusProviderFromSpec({ address: base, timeout: '3s' }, 'tok');
    await expect(p.query('up')).resolves.toBe(1);
    expect(seen.form?.get('timeout')).toBe('3s');
    expect(seen.authorization).toBe('Bearer tok');
    expect(p.description).toBe(`prometheus ${base}`);
  });

  it('reports a refused connection as unreachable', async () => {
    const err = (await createPrometheusProvider({ address: 'http://127.0.0.1:1' })
      .query('up')
      .catch((e: unknown) => e)) as MetricQueryError;
    expect(err.kind).toBe('unreachable');
    expect(err.message).toContain('127.0.0.1:1');
  });
});

describe('prometheusProviderFromSpec under the metrics policy', () => {
  let hits = 0;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(vector('1')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    setMetricsPolicy({ allowlist: [], maxAnswerBytes: DEFAULT_MAX_ANSWER_BYTES });
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('refuses an address outside the allowlist without sending anything (the token included)', async () => {
    setMetricsPolicy({ allowlist: ['http://prometheus.monitoring:9090'], maxAnswerBytes: 1024 });
    hits = 0;
    const p = prometheusProviderFromSpec({ address: base, timeout: '3s' }, 'tenant-token');
    const err = (await p.query('up').catch((e: unknown) => e)) as MetricQueryError;
    expect(err.kind).toBe('config');
    expect(err.message).toMatch(/is not among the metrics addresses the cluster admin allows/);
    expect(hits).toBe(0);
  });

  it('queries an allowed address, and the default one when the release names none', async () => {
    setMetricsPolicy({ allowlist: [`${base}/`], defaultAddress: base, maxAnswerBytes: 1024 });
    hits = 0;
    await expect(
      prometheusProviderFromSpec({ address: `${base}/prom`, timeout: '3s' }).query('up'),
    ).resolves.toBe(1);
    await expect(prometheusProviderFromSpec({ timeout: '3s' }).query('up')).resolves.toBe(1);
    expect(hits).toBe(2);
  });

  it('names the missing address when there is no default either', async () => {
    setMetricsPolicy({ allowlist: [], maxAnswerBytes: 1024 });
    const err = (await prometheusProviderFromSpec({ timeout: '3s' })
      .query('up')
      .catch((e: unknown) => e)) as MetricQueryError;
    expect(err.message).toMatch(/address is not set and the operator has no default/);
  });
});

describe('provider configuration', () => {
  it('rejects credentials in the address, pointing at authSecretRef', () => {
    expect(() => createPrometheusProvider({ address: 'http://user:pw@prom:9090' })).toThrow(
      /must not contain credentials; use provider.prometheus.authSecretRef/,
    );
  });
});

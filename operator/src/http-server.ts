// The operator's HTTP endpoints: /metrics (Prometheus text format), /healthz (the process is alive and
// its event loop answers), /readyz (every informer cache has synced; 503 with the reason otherwise).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Undefined when ready, otherwise why not. */
export type HealthCheck = () => string | undefined;

export interface OperatorHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(opts: {
  port: number;
  host: string;
  registry: Registry;
  readiness: HealthCheck;
}): Promise<OperatorHttpServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': opts.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err)),
      );
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (path === '/readyz') {
      const reason = opts.readiness();
      if (reason === undefined) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      else res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`not ready: ${reason}`);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

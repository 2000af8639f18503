// The runtime's HTTP server (node:http, no framework): routing, probes, metrics, and graceful drain.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { breakerStateValue, CircuitBreaker } from './circuit-breaker.js';
import type { RuntimeConfig } from './config.js';
import { requestIdOf, sendJson } from './http-util.js';
import { createInvokeHandler } from './invoke.js';
import { ConcurrencyLimiter } from './limiter.js';
import { createMetrics } from './metrics.js';
import { createUpstream, type Upstream } from './upstream.js';

export interface RuntimeOptions {
  logger: Logger;
  /** Replaces the openai-backed upstream (tests). */
  upstream?: Upstream;
  /** Export process_* / nodejs_* metrics (default true). */
  processMetrics?: boolean;
}

type Route = (req: IncomingMessage, res: ServerResponse, requestId: string) => void | Promise<void>;

export function createRuntime(config: RuntimeConfig, opts: RuntimeOptions) {
  const logger = opts.logger;
  const startedAt = Date.now();
  let draining = false;

  const breaker = new CircuitBreaker({
    failureThreshold: config.breaker.failureThreshold,
    resetTimeoutMs: config.breaker.resetTimeoutMs,
    onStateChange: (from, to) => logger.warn({ from, to }, 'circuit breaker state changed'),
  });
  const limiter = new ConcurrencyLimiter(config.server.maxConcurrency);
  const metrics = createMetrics({
    labels: {
      agent: config.agent.name,
      version: config.agent.version,
      track: config.agent.track,
      namespace: config.agent.namespace,
    },
    breakerState: () => breakerStateValue(breaker.state),
    inFlight: () => limiter.inFlight,
    processMetrics: opts.processMetrics ?? true,
  });
  const upstream = opts.upstream ?? createUpstream(config, logger);
  const invoke = createInvokeHandler({
    config,
    upstream,
    breaker,
    limiter,
    metrics,
    logger,
    isDraining: () => draining,
  });

  const readiness = () => {
    const reasons: string[] = [];
    if (draining) reasons.push('draining');
    if (breaker.state === 'open') reasons.push('circuit breaker open');
    return reasons;
  };

  const routes: Record<string, Partial<Record<string, Route>>> = {
    '/livez': { GET: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    '/readyz': {
      GET: (_req, res) => {
        const reasons = readiness();
        sendJson(res, reasons.length === 0 ? 200 : 503, { ready: reasons.length === 0, reasons });
      },
    },
    '/healthz': {
      GET: (_req, res) =>
        sendJson(res, 200, {
          status: readiness().length === 0 ? 'ok' : 'degraded',
          agent: config.agent.name,
          version: config.agent.version,
          track: config.agent.track,
          namespace: config.agent.namespace ?? null,
          model: config.model.name,
          uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
          breaker: { state: breaker.state, consecutiveFailures: breaker.consecutiveFailures },
          inFlight: limiter.inFlight,
          maxConcurrency: limiter.max,
          draining,
        }),
    },
    '/metrics': {
      GET: async (_req, res) => {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
    },
    '/v1/invoke': { POST: invoke },
  };

  const server = createServer((req, res) => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const methods = routes[path];
    const route = methods?.[req.method ?? 'GET'];
    logger.debug({ requestId, req: { method: req.method, url: req.url, headers: req.headers } }, 'request');
    if (!methods) {
      sendJson(res, 404, { error: { type: 'not_found', message: `no route for ${path}` } });
      return;
    }
    if (!route) {
      const allow = Object.keys(methods).join(', ');
      sendJson(res, 405, { error: { type: 'method_not_allowed', message: `use ${allow}` } }, { allow });
      return;
    }
    Promise.resolve(route(req, res, requestId)).catch((err: unknown) => {
      logger.error({ requestId, err }, 'handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: { type: 'internal', message: 'internal error' } });
      else res.destroy();
    });
  });

  return {
    server,
    breaker,
    limiter,
    metrics,
    get draining() {
      return draining;
    },

    /** Starts listening; resolves with the base URL. */
    listen(): Promise<string> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.server.port, config.server.host, () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          const host =
            config.server.host === '0.0.0.0' || config.server.host === '::'
              ? '127.0.0.1'
              : config.server.host;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
        });
      });
    },

    /**
     * Graceful stop: readiness fails, new invokes get 503, the listener closes, in-flight requests get up to
     * `drainTimeoutMs` to finish, then remaining connections are closed. Resolves with how many requests were
     * still in flight when the deadline hit (0 = clean drain).
     */
    async shutdown(drainTimeoutMs = config.server.drainTimeoutMs): Promise<number> {
      draining = true;
      server.close();
      server.closeIdleConnections();
      const deadline = Date.now() + drainTimeoutMs;
      while (limiter.inFlight > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      const abandoned = limiter.inFlight;
      server.closeAllConnections();
      return abandoned;
    },
  };
}

export type Runtime = ReturnType<typeof createRuntime>;

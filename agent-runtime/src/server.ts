// The runtime's HTTP server (node:http, no framework): routing, probes, metrics, and graceful drain.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createAgentLoop } from './agent-loop.js';
import { breakerStateValue, CircuitBreaker } from './circuit-breaker.js';
import type { RuntimeConfig } from './config.js';
import { requestIdOf, sendJson } from './http-util.js';
import { createInvokeHandler } from './invoke.js';
import { SIDE_EFFECTS_HEADER } from './invoke-schema.js';
import { createJudge, type JudgeOptions } from './judge.js';
import { ConcurrencyLimiter } from './limiter.js';
import { McpServers } from './mcp-tools.js';
import { createMetrics } from './metrics.js';
import { createToolRunner } from './tool-runner.js';
import { watchTrafficMode } from './traffic-mode.js';
import { createUpstream, isUpstreamFailure, type Upstream, UpstreamFailure } from './upstream.js';

export interface RuntimeOptions {
  logger: Logger;
  /** Replaces the openai-backed upstream (tests). */
  upstream?: Upstream;
  /** Export process_* / nodejs_* metrics (default true). */
  processMetrics?: boolean;
  /** Replaces the judge's model call (tests). */
  judgeComplete?: JudgeOptions['complete'];
  /** How often TRAFFIC_MODE_FILE is read (default 1 s). */
  trafficPollMs?: number;
}

type Route = (req: IncomingMessage, res: ServerResponse, requestId: string) => void | Promise<void>;

export function createRuntime(config: RuntimeConfig, opts: RuntimeOptions) {
  const logger = opts.logger;
  const startedAt = Date.now();
  let draining = false;

  const breaker = new CircuitBreaker({
    failureThreshold: config.breaker.failureThreshold,
    resetTimeoutMs: config.breaker.resetTimeoutMs,
    isFailure: (err) => err instanceof UpstreamFailure && isUpstreamFailure(err.kind),
    failsProbe: (err) => err instanceof UpstreamFailure && err.kind === 'aborted',
    onStateChange: (from, to) => logger.warn({ from, to }, 'circuit breaker state changed'),
  });
  const limiter = new ConcurrencyLimiter(config.server.maxConcurrency);
  const traffic = watchTrafficMode({
    file: config.trafficModeFile,
    logger,
    ...(opts.trafficPollMs !== undefined ? { pollMs: opts.trafficPollMs } : {}),
  });
  const mcp = new McpServers(
    { name: `agent-runtime ${config.agent.name}`, version: config.agent.version },
    logger,
  );
  const tools = createToolRunner({ tools: config.agentFile.tools, breaker: config.breaker, mcp, logger });
  const metrics = createMetrics({
    labels: {
      agent: config.agent.name,
      version: config.agent.version,
      track: config.agent.track,
      namespace: config.agent.namespace,
    },
    breakerState: () => breakerStateValue(breaker.state),
    inFlight: () => limiter.inFlight,
    tools: config.agentFile.tools.map((t) => t.name),
    toolBreakerState: (tool) => tools.breakerState(tool),
    judge: config.judge !== undefined,
    shadow: () => traffic.shadow(),
    processMetrics: opts.processMetrics ?? true,
  });
  tools.setMetrics(metrics);
  const upstream = opts.upstream ?? createUpstream(config, logger);
  const loop = createAgentLoop({
    upstream,
    breaker,
    tools,
    metrics,
    logger,
    maxSteps: config.agentFile.maxSteps,
  });
  const judge = config.judge
    ? createJudge({
        config: config.judge,
        metrics,
        logger,
        ...(opts.judgeComplete ? { complete: opts.judgeComplete } : {}),
      })
    : undefined;
  const invoke = createInvokeHandler({ config, loop, limiter, metrics, logger, judge });

  const readiness = () => {
    const reasons: string[] = [];
    // Readiness is the pod's own: an upstream outage opens every pod's breaker at once, and taking every
    // pod out of its Service would turn a degraded agent into no agent. The breaker shows in metrics,
    // /healthz and the 503 circuit_open answers instead.
    if (draining) reasons.push('draining');
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
          status: readiness().length === 0 && breaker.state !== 'open' ? 'ok' : 'degraded',
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

  const debug = logger.isLevelEnabled('debug');
  let lastRequestAt = 0;
  /** Answers not finished yet: when the drain begins, those whose headers are still unsent close too. */
  const open = new Set<ServerResponse>();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdOf(req);
    lastRequestAt = Date.now();
    res.setHeader('x-request-id', requestId);
    // Which version and track answered: lets a client measure a traffic split (docs/runtime.md).
    res.setHeader('x-agent-version', config.agent.version);
    res.setHeader('x-agent-track', config.agent.track);
    // While draining, requests that still arrive on open keep-alive connections are served, and the
    // connection is closed after the answer, so the caller's next request opens a new connection, which
    // the Service sends to a pod that is not going away.
    if (draining) res.setHeader('connection', 'close');
    else {
      open.add(res);
      res.once('close', () => open.delete(res));
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const methods = routes[path];
    const route = methods?.[req.method ?? 'GET'];
    if (debug)
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
  };
  const server = createServer(handle);
  // Mirrored copies arrive on a port of their own (the RequestMirror filter targets the canary Service's
  // `shadow` port): each such request is shadow traffic by where it came in, so no timing between the route,
  // the pod annotation and TRAFFIC_MODE_FILE can let a copy call a side-effect tool, or stub a live request.
  const shadow =
    config.server.shadowPort !== undefined
      ? {
          port: config.server.shadowPort,
          server: createServer((req, res) => {
            req.headers[SIDE_EFFECTS_HEADER] = 'stub';
            handle(req, res);
          }),
        }
      : undefined;
  let shadowUrl: string | undefined;

  return {
    server,
    /** The pod's traffic mode (TRAFFIC_MODE_FILE): shadow while it gets only mirrored requests. */
    traffic,
    breaker,
    limiter,
    metrics,
    tools,
    judge,
    get draining() {
      return draining;
    },

    /** The shadow listener's base URL once listening (SHADOW_PORT set), else undefined. */
    get shadowUrl() {
      return shadowUrl;
    },

    /** Starts listening (and on SHADOW_PORT when set); resolves with the base URL. MCP tool schemas are read in the background. */
    async listen(): Promise<string> {
      void tools.discover();
      const url = await listenOn(server, config.server.port, config.server.host);
      if (shadow) shadowUrl = await listenOn(shadow.server, shadow.port, config.server.host);
      return url;
    },

    /**
     * Graceful stop, for a rolling update without a failed request. Readiness fails at once; requests keep
     * being served, each answered with `Connection: close`, so every caller's next request opens a new
     * connection, which the Service sends to a pod that stays. Once no request has arrived for `quietMs`
     * (callers have moved on), the listener closes with its idle connections, and in-flight requests get
     * until `drainTimeoutMs` to finish before the remaining connections are closed. Resolves with how many
     * requests were still in flight at the deadline (0 = clean drain).
     */
    async shutdown(drainTimeoutMs = config.server.drainTimeoutMs, quietMs = 1000): Promise<number> {
      draining = true;
      for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      const deadline = Date.now() + drainTimeoutMs;
      const sleep = () => new Promise((r) => setTimeout(r, 25));
      while (Date.now() < deadline && Date.now() - lastRequestAt < quietMs) await sleep();
      server.close(); // also closes idle keep-alive connections (Node >= 19)
      shadow?.server.close();
      while (limiter.inFlight > 0 && Date.now() < deadline) await sleep();
      const abandoned = limiter.inFlight;
      server.closeAllConnections();
      shadow?.server.closeAllConnections();
      judge?.stop();
      traffic.stop();
      await mcp.close();
      return abandoned;
    },
  };
}

export type Runtime = ReturnType<typeof createRuntime>;

/** Listens on host:port; resolves with the base URL (a wildcard host is reached on loopback). */
function listenOn(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      const reach = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve(`http://${reach.includes(':') ? `[${reach}]` : reach}:${bound}`);
    });
  });
}

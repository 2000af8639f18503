// POST /v1/invoke: admission (concurrency, body limits, validation, breaker), the model call,
// and exactly one agent_requests_total{outcome} per request. docs/runtime.md lists every status code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { APIUserAbortError } from 'openai';
import type { Logger } from 'pino';
import type { BreakerPermit, CircuitBreaker } from './circuit-breaker.js';
import type { RuntimeConfig } from './config.js';
import { describeIssues } from './config-error.js';
import { HttpError, parseJson, readBody, sendError, sendJson } from './http-util.js';
import { type InvokeMessage, invokeRequestSchema } from './invoke-schema.js';
import type { ConcurrencyLimiter } from './limiter.js';
import type { Outcome, RuntimeMetrics } from './metrics.js';
import { costUsd } from './pricing.js';
import { type Completion, classifyUpstreamError, isUpstreamFailure, type Upstream } from './upstream.js';

export interface InvokeDeps {
  config: RuntimeConfig;
  upstream: Upstream;
  breaker: CircuitBreaker;
  limiter: ConcurrencyLimiter;
  metrics: RuntimeMetrics;
  logger: Logger;
}

/** An HttpError that also says which outcome the request is counted under. */
class Refusal extends HttpError {
  constructor(
    readonly outcome: Outcome,
    status: number,
    type: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(status, type, message, headers);
  }
}

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function createInvokeHandler(deps: InvokeDeps) {
  const { config, upstream, breaker, limiter, metrics } = deps;

  /** Status, outcome and error type of a failed model call; also feeds the breaker and error metrics. */
  function upstreamFailure(err: unknown, permit: BreakerPermit, clientGone: boolean, idleTimedOut: boolean) {
    let kind = classifyUpstreamError(err);
    if (kind === 'aborted' && idleTimedOut) kind = 'timeout';
    if (kind === 'aborted') {
      permit.release();
      return new Refusal('canceled', 499, 'canceled', 'the caller closed the connection');
    }
    if (isUpstreamFailure(kind)) permit.failure();
    else permit.release();
    metrics.upstreamError(kind);
    const reason = err instanceof Error ? err.message : String(err);
    deps.logger.warn({ kind, err: reason, clientGone }, 'model call failed');
    return kind === 'timeout'
      ? new Refusal('timeout', 504, 'upstream_timeout', `the model did not answer in time: ${reason}`)
      : new Refusal('error', 502, `upstream_${kind}`, `the model call failed: ${reason}`);
  }

  function recordUsage(done: Pick<Completion, 'usage'>): void {
    const { promptTokens, completionTokens } = done.usage;
    const price = config.model.price;
    metrics.usage(
      promptTokens,
      completionTokens,
      price ? costUsd(price, promptTokens, completionTokens) : undefined,
    );
  }

  return async function handleInvoke(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const started = performance.now();
    const log: Record<string, unknown> = { requestId };
    let outcome: Outcome = 'error';
    let release: (() => void) | undefined;
    try {
      release = limiter.tryAcquire();
      if (!release) {
        throw new Refusal('rejected', 429, 'overloaded', `all ${limiter.max} request slots are busy`, {
          'retry-after': '1',
        });
      }
      let body: unknown;
      try {
        body = parseJson(await readBody(req, config.server.maxBodyBytes));
      } catch (err) {
        if (err instanceof HttpError)
          throw new Refusal('invalid', err.status, err.type, err.message, err.headers);
        throw err;
      }
      const parsed = invokeRequestSchema.safeParse(body);
      if (!parsed.success) {
        throw new Refusal('invalid', 400, 'invalid_request', describeIssues(parsed.error.issues).join('; '));
      }
      const { messages, stream } = parsed.data;
      log['stream'] = stream;
      if (config.log.prompts) log['messages'] = messages;
      const permit = breaker.tryAcquire();
      if (!permit) {
        const seconds = Math.max(1, Math.ceil(breaker.retryAfterMs() / 1000));
        throw new Refusal(
          'error',
          503,
          'circuit_open',
          'the model upstream is failing; the circuit breaker is open',
          {
            'retry-after': String(seconds),
          },
        );
      }
      outcome = await (stream ? streamAnswer : answer)(res, requestId, messages, permit, log);
    } catch (err) {
      const refusal =
        err instanceof Refusal
          ? err
          : new Refusal('error', 500, 'internal', 'internal error in the agent runtime');
      if (!(err instanceof Refusal)) deps.logger.error({ requestId, err }, 'invoke failed unexpectedly');
      outcome = refusal.outcome;
      if (!res.headersSent && !res.destroyed) sendError(res, refusal);
      log['error'] = refusal.type;
    } finally {
      release?.();
      const seconds = (performance.now() - started) / 1000;
      metrics.observeRequest(outcome, seconds);
      deps.logger.info(
        { ...log, status: res.statusCode, outcome, durationMs: Math.round(seconds * 10_000) / 10 },
        'invoke',
      );
    }
  };

  async function answer(
    res: ServerResponse,
    requestId: string,
    messages: InvokeMessage[],
    permit: BreakerPermit,
    log: Record<string, unknown>,
  ): Promise<Outcome> {
    const controller = new AbortController();
    let clientGone = false;
    res.once('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        controller.abort();
      }
    });
    let done: Completion;
    try {
      done = await upstream.complete(messages, controller.signal);
    } catch (err) {
      throw upstreamFailure(err, permit, clientGone, false);
    }
    permit.success();
    recordUsage(done);
    Object.assign(log, { model: done.model, ...done.usage });
    if (config.log.prompts) log['output'] = done.output;
    sendJson(
      res,
      200,
      {
        id: requestId,
        output: done.output,
        model: done.model,
        usage: done.usage,
        finishReason: done.finishReason,
        ...(done.toolCalls.length > 0 ? { toolCalls: done.toolCalls } : {}),
      },
      { 'x-request-id': requestId },
    );
    return 'success';
  }

  async function streamAnswer(
    res: ServerResponse,
    requestId: string,
    messages: InvokeMessage[],
    permit: BreakerPermit,
    log: Record<string, unknown>,
  ): Promise<Outcome> {
    const controller = new AbortController();
    let clientGone = false;
    let idleTimedOut = false;
    res.once('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        controller.abort();
      }
    });
    // The SDK timeout covers only the wait for response headers; this watchdog bounds silence mid-stream.
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        idleTimedOut = true;
        controller.abort();
      }, config.model.timeoutMs);
    };
    let output = '';
    try {
      const events = await upstream.stream(messages, controller.signal);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        'x-request-id': requestId,
      });
      arm();
      for await (const ev of events) {
        arm();
        if (ev.type === 'delta') {
          output += ev.content;
          sse(res, 'delta', { content: ev.content });
          continue;
        }
        // The SDK ends the iteration quietly when aborted, so check before declaring success.
        if (controller.signal.aborted) break;
        permit.success();
        recordUsage(ev);
        Object.assign(log, { model: ev.model, ...ev.usage });
        if (config.log.prompts) log['output'] = output;
        sse(res, 'done', { id: requestId, model: ev.model, usage: ev.usage, finishReason: ev.finishReason });
        res.end();
        return 'success';
      }
      throw new APIUserAbortError();
    } catch (err) {
      // Whatever the SDK surfaced, an abort we caused (caller gone or watchdog) is classified as such.
      const cause = controller.signal.aborted ? new APIUserAbortError() : err;
      const failure = upstreamFailure(cause, permit, clientGone, idleTimedOut);
      if (!res.headersSent) throw failure;
      if (!clientGone) {
        sse(res, 'error', { error: { type: failure.type, message: failure.message } });
        res.end();
      }
      return failure.outcome;
    } finally {
      clearTimeout(watchdog);
    }
  }
}

// POST /v1/invoke: admission (concurrency, body limits, validation), the agent loop (model calls through
// the breaker, tools), and exactly one agent_requests_total{outcome} per request. docs/runtime.md lists
// every status code. A successful answer may be handed to the online judge, after it has been sent.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AgentLoop, LoopResult } from './agent-loop.js';
import { BreakerOpenError } from './circuit-breaker.js';
import type { RuntimeConfig } from './config.js';
import { describeIssues } from './config-error.js';
import { HttpError, parseJson, readBody, sendError, sendJson } from './http-util.js';
import { type InvokeMessage, invokeRequestSchema, SIDE_EFFECTS_HEADER } from './invoke-schema.js';
import type { Judge } from './judge.js';
import type { ConcurrencyLimiter } from './limiter.js';
import type { Outcome, RuntimeMetrics } from './metrics.js';
import { costUsd } from './pricing.js';
import { type ChatMessage, UpstreamFailure } from './upstream.js';

export interface InvokeDeps {
  config: RuntimeConfig;
  loop: AgentLoop;
  limiter: ConcurrencyLimiter;
  metrics: RuntimeMetrics;
  logger: Logger;
  judge?: Judge | undefined;
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

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The answer (status, type, outcome) for a failure of the loop. */
function refusalOf(err: unknown, logger: Logger, requestId: string): Refusal {
  if (err instanceof Refusal) return err;
  if (err instanceof BreakerOpenError) {
    const seconds = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
    return new Refusal(
      'error',
      503,
      'circuit_open',
      'the model upstream is failing; the circuit breaker is open',
      {
        'retry-after': String(seconds),
      },
    );
  }
  if (err instanceof UpstreamFailure) {
    if (err.kind === 'aborted')
      return new Refusal('canceled', 499, 'canceled', 'the caller closed the connection');
    logger.warn({ requestId, kind: err.kind, err: err.reason }, 'model call failed');
    return err.kind === 'timeout'
      ? new Refusal('timeout', 504, 'upstream_timeout', `the model did not answer in time: ${err.reason}`)
      : new Refusal('error', 502, `upstream_${err.kind}`, `the model call failed: ${err.reason}`);
  }
  logger.error({ requestId, err }, 'invoke failed unexpectedly');
  return new Refusal('error', 500, 'internal', 'internal error in the agent runtime');
}

/** Constant-time check of `Authorization: Bearer <token>` (no token configured: every caller passes). */
export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7).trim() : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * A caller may not override the version's system prompt: its system messages are demoted to user messages
 * (marked as such), refused with 400, or — only when configured — kept.
 */
export function callerMessages(
  messages: InvokeMessage[],
  policy: 'demote' | 'refuse' | 'allow',
): InvokeMessage[] {
  if (policy === 'allow' || !messages.some((m) => m.role === 'system')) return messages;
  if (policy === 'refuse') {
    throw new Refusal(
      'invalid',
      400,
      'system_message_refused',
      'messages with role "system" are not accepted: the agent version sets the system prompt',
    );
  }
  return messages.map((m) =>
    m.role === 'system' ? { ...m, role: 'user' as const, content: `[caller instructions] ${m.content}` } : m,
  );
}

export function createInvokeHandler(deps: InvokeDeps) {
  const { config, loop, limiter, metrics, logger, judge } = deps;
  const prompt = config.agentFile.prompt;
  const price = config.model.price;
  const logPrompts = config.log.prompts;
  const stubAlways = config.toolSideEffects === 'stub';

  function answered(result: LoopResult, log: Record<string, unknown>): void {
    const { promptTokens, completionTokens } = result.usage;
    metrics.usage(
      promptTokens,
      completionTokens,
      price ? costUsd(price, promptTokens, completionTokens) : undefined,
    );
    metrics.steps(result.steps);
    log.model = result.model;
    log.steps = result.steps;
    log.promptTokens = promptTokens;
    log.completionTokens = completionTokens;
    if (logPrompts) log.output = result.output;
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
    let judged: { messages: InvokeMessage[]; result: LoopResult } | undefined;
    let clientGone = false;
    try {
      if (!authorized(req.headers.authorization, config.server.invokeToken)) {
        throw new Refusal('invalid', 401, 'unauthorized', 'a valid bearer token is required', {
          'www-authenticate': 'Bearer',
        });
      }
      // The body is read and bounded (size and time) before a concurrency slot is taken: a slow upload
      // never holds one.
      let body: unknown;
      try {
        body = parseJson(await readBody(req, config.server.maxBodyBytes, config.server.bodyTimeoutMs));
      } catch (err) {
        if (err instanceof HttpError)
          throw new Refusal('invalid', err.status, err.type, err.message, err.headers);
        throw err;
      }
      const parsed = invokeRequestSchema.safeParse(body);
      if (!parsed.success) {
        throw new Refusal('invalid', 400, 'invalid_request', describeIssues(parsed.error.issues).join('; '));
      }
      const { stream, toolCalls: mode } = parsed.data;
      const messages = callerMessages(parsed.data.messages, config.server.callerSystemMessages);
      release = limiter.tryAcquire();
      if (!release) {
        throw new Refusal('rejected', 429, 'overloaded', `all ${limiter.max} request slots are busy`, {
          'retry-after': '1',
        });
      }
      log.stream = stream;
      if (logPrompts) log.messages = messages;
      const controller = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) {
          clientGone = true;
          controller.abort();
        }
      });
      const loopReq = {
        messages: (prompt
          ? [{ role: 'system', content: prompt }, ...messages]
          : [...messages]) as ChatMessage[],
        mode,
        signal: controller.signal,
        requestId,
        // The header is also how the shadow listener (SHADOW_PORT) marks every mirrored copy (server.ts).
        stubSideEffects: stubAlways || req.headers[SIDE_EFFECTS_HEADER] === 'stub',
      };
      if (!stream) {
        const result = await loop.run(loopReq);
        answered(result, log);
        sendJson(res, 200, {
          id: requestId,
          output: result.output,
          model: result.model,
          usage: result.usage,
          finishReason: result.finishReason,
          ...(result.toolCalls.length > 0 ? { toolCalls: result.toolCalls } : {}),
        });
        outcome = 'success';
        judged = { messages, result };
        return;
      }
      try {
        const result = await loop.stream(
          { ...loopReq, abort: () => controller.abort() },
          {
            open: () => res.writeHead(200, SSE_HEADERS),
            delta: (content) => sse(res, 'delta', { content }),
            tool: (call, r) => sse(res, 'tool', { id: call.id, name: call.name, outcome: r.outcome }),
          },
          config.model.timeoutMs,
        );
        answered(result, log);
        sse(res, 'done', {
          id: requestId,
          model: result.model,
          usage: result.usage,
          finishReason: result.finishReason,
          ...(result.toolCalls.length > 0 ? { toolCalls: result.toolCalls } : {}),
        });
        res.end();
        outcome = 'success';
        judged = { messages, result };
      } catch (err) {
        const refusal = refusalOf(
          clientGone ? new UpstreamFailure('aborted', 'caller gone') : err,
          logger,
          requestId,
        );
        if (!res.headersSent) throw refusal;
        if (!clientGone) {
          sse(res, 'error', { error: { type: refusal.type, message: refusal.message } });
          res.end();
        }
        outcome = refusal.outcome;
        log.error = refusal.type;
      }
    } catch (err) {
      // Whatever a step threw once the caller had gone (an aborted model call or tool), it was canceled.
      const refusal = refusalOf(
        clientGone ? new UpstreamFailure('aborted', 'caller gone') : err,
        logger,
        requestId,
      );
      outcome = refusal.outcome;
      if (!res.headersSent && !res.destroyed) sendError(res, refusal);
      log.error = refusal.type;
    } finally {
      release?.();
      const seconds = (performance.now() - started) / 1000;
      metrics.observeRequest(outcome, seconds);
      log.status = res.statusCode;
      log.outcome = outcome;
      log.durationMs = Math.round(seconds * 10_000) / 10;
      logger.info(log, 'invoke');
      if (judged && judge) judge.submit({ requestId, messages: judged.messages, ...judged.result });
    }
  };
}

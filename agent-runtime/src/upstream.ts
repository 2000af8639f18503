// The model upstream, reached through the official openai SDK (configurable baseURL, API key, timeout, and
// retries with exponential backoff done by the SDK). Errors are classified for metrics and the breaker.
import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { Logger } from 'pino';
import type { ModelParams } from './agent-config-file.js';
import type { RuntimeConfig } from './config.js';
import type { UpstreamErrorKind } from './metrics.js';
import { createNodeFetch } from './node-fetch.js';

export type ChatMessage = ChatCompletionMessageParam;
export type ToolDefinition = ChatCompletionFunctionTool;

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface Completion {
  output: string;
  model: string;
  usage: Usage;
  finishReason: string | null;
  toolCalls: ToolCall[];
}

/** A streamed piece: either text or the final summary (model, usage, finish reason, tool calls). */
export type StreamEvent = { type: 'delta'; content: string } | ({ type: 'end' } & Omit<Completion, 'output'>);

/** One model call: the conversation so far, the tools to offer, the request id sent as x-request-id. */
export interface CallOptions {
  signal: AbortSignal;
  requestId: string;
  tools?: ToolDefinition[] | undefined;
}

export function toUsage(u: OpenAI.CompletionUsage | null | undefined): Usage {
  const promptTokens = u?.prompt_tokens ?? 0;
  const completionTokens = u?.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: u?.total_tokens ?? promptTokens + completionTokens };
}

/** The fixed part of every request body: model and parameters, in the API's spelling. */
export function requestBase(
  model: string,
  params: ModelParams,
): Omit<ChatCompletionCreateParamsBase, 'messages'> {
  return {
    model,
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined ? { top_p: params.topP } : {}),
    ...(params.maxTokens !== undefined ? { max_completion_tokens: params.maxTokens } : {}),
    ...(params.presencePenalty !== undefined ? { presence_penalty: params.presencePenalty } : {}),
    ...(params.frequencyPenalty !== undefined ? { frequency_penalty: params.frequencyPenalty } : {}),
    ...(params.stop !== undefined ? { stop: params.stop } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
  };
}

export function createUpstream(config: RuntimeConfig, logger: Logger) {
  const client = new OpenAI({
    apiKey: config.model.apiKey,
    baseURL: config.model.baseURL,
    timeout: config.model.timeoutMs,
    maxRetries: config.model.maxRetries,
    logger: logger.child({ component: 'openai' }),
    logLevel: 'warn',
    fetch: createNodeFetch(),
  });
  const base = requestBase(config.model.name, config.agentFile.params);

  function body(messages: ChatMessage[], tools: ToolDefinition[] | undefined) {
    return tools && tools.length > 0 ? { ...base, messages, tools } : { ...base, messages };
  }

  return {
    async complete(messages: ChatMessage[], opts: CallOptions): Promise<Completion> {
      const res = await client.chat.completions.create(
        { ...body(messages, opts.tools), stream: false },
        { signal: opts.signal, headers: { 'x-request-id': opts.requestId } },
      );
      const choice = res.choices[0];
      if (!choice) throw new InvalidResponseError('the model returned no choices');
      const toolCalls: ToolCall[] = [];
      for (const call of choice.message.tool_calls ?? []) {
        if (call.type === 'function') {
          toolCalls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments });
        }
      }
      return {
        output: choice.message.content ?? '',
        model: res.model,
        usage: toUsage(res.usage),
        finishReason: choice.finish_reason ?? null,
        toolCalls,
      };
    },

    /** Opens the stream (HTTP errors throw here, before any byte is sent to the caller). */
    async stream(messages: ChatMessage[], opts: CallOptions): Promise<AsyncIterable<StreamEvent>> {
      const stream = await client.chat.completions.create(
        { ...body(messages, opts.tools), stream: true, stream_options: { include_usage: true } },
        { signal: opts.signal, headers: { 'x-request-id': opts.requestId } },
      );
      return (async function* () {
        let model = config.model.name;
        let usage = toUsage(undefined);
        let finishReason: string | null = null;
        // Tool calls arrive in pieces: the first piece of each index has its id and name, later ones
        // append to its arguments.
        const calls: ToolCall[] = [];
        for await (const chunk of stream) {
          model = chunk.model || model;
          if (chunk.usage) usage = toUsage(chunk.usage);
          const choice = chunk.choices[0];
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          for (const piece of choice?.delta?.tool_calls ?? []) {
            let call = calls[piece.index];
            if (!call) {
              call = { id: '', name: '', arguments: '' };
              calls[piece.index] = call;
            }
            if (piece.id) call.id = piece.id;
            if (piece.function?.name) call.name += piece.function.name;
            if (piece.function?.arguments) call.arguments += piece.function.arguments;
          }
          const content = choice?.delta?.content;
          if (content) yield { type: 'delta' as const, content };
        }
        const toolCalls = calls.filter((c) => c !== undefined && c.name !== '');
        yield { type: 'end' as const, model, usage, finishReason, toolCalls };
      })();
    },
  };
}

export type Upstream = ReturnType<typeof createUpstream>;

export class InvalidResponseError extends Error {
  override name = 'InvalidResponseError';
}

/**
 * What went wrong with a model call. `aborted` means our own signal fired (caller went away or a
 * watchdog); it says nothing about the upstream.
 */
export function classifyUpstreamError(err: unknown): UpstreamErrorKind | 'aborted' {
  if (err instanceof OpenAI.APIUserAbortError) return 'aborted';
  if (err instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (err instanceof OpenAI.APIConnectionError) return 'connection';
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    if (err.status === 408 || err.status === 504) return 'timeout';
    if (err.status === 429) return 'rate_limited';
    if (err.status >= 500) return 'server';
    return 'client';
  }
  return 'invalid_response';
}

/**
 * Kinds that count as a breaker failure: the upstream is unhealthy. A 4xx other than 429 blames the
 * request (or the key), and an abort is ours, so neither opens the breaker.
 */
export function isUpstreamFailure(kind: UpstreamErrorKind | 'aborted'): boolean {
  return kind !== 'client' && kind !== 'aborted';
}

/** A failed model call, classified once (the breaker, the metrics and the answer read the kind). */
export class UpstreamFailure extends Error {
  override name = 'UpstreamFailure';
  constructor(
    readonly kind: UpstreamErrorKind | 'aborted',
    readonly reason: string,
  ) {
    super(reason);
  }
}

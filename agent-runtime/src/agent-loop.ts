// The agent loop: call the model; when it asks for tools the runtime runs, run them (in parallel), give it
// the results and call it again, until it answers without tool calls or `maxSteps` model calls were made.
// Every model call goes through the upstream circuit breaker; a failed call ends the request. Tool calls
// are handed back to the caller instead when the request asks for that (toolCalls: "return") or when a
// called tool is the caller's (no URL in the agent file).
import { APIUserAbortError } from 'openai';
import type { Logger } from 'pino';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { RuntimeMetrics } from './metrics.js';
import type { ToolCallContext, ToolResult, ToolRunner } from './tool-runner.js';
import {
  type ChatMessage,
  type Completion,
  classifyUpstreamError,
  type StreamEvent,
  type ToolCall,
  type Upstream,
  UpstreamFailure,
  type Usage,
} from './upstream.js';

export interface LoopDeps {
  upstream: Upstream;
  breaker: CircuitBreaker;
  tools: ToolRunner;
  metrics: RuntimeMetrics;
  logger: Logger;
  maxSteps: number;
}

export interface LoopRequest extends ToolCallContext {
  /** The conversation sent to the model (the agent's prompt first); the loop appends to it. */
  messages: ChatMessage[];
  /** `return`: hand tool calls back to the caller (no loop). */
  mode: 'run' | 'return';
}

export interface LoopResult {
  output: string;
  model: string;
  usage: Usage;
  /** The last model call's, or `max_steps` when the loop stopped at the bound with tool calls pending. */
  finishReason: string | null;
  /** Tool calls handed back to the caller (not run). */
  toolCalls: ToolCall[];
  steps: number;
}

/** What a streaming caller sees of the loop besides text: one event per tool call run. */
export interface LoopEvents {
  delta(content: string): void;
  tool(call: ToolCall, result: ToolResult): void;
}

function addUsage(total: Usage, u: Usage): void {
  total.promptTokens += u.promptTokens;
  total.completionTokens += u.completionTokens;
  total.totalTokens += u.totalTokens;
}

export function createAgentLoop(deps: LoopDeps) {
  const { upstream, breaker, tools, metrics } = deps;

  /** One model call through the breaker; failures are classified once, as an UpstreamFailure. */
  function modelCall<T>(
    call: () => Promise<T>,
    signal: AbortSignal,
    idleTimedOut: () => boolean = () => false,
  ): Promise<T> {
    return breaker.execute(async () => {
      try {
        return await call();
      } catch (err) {
        // Whatever the SDK surfaced, an abort we caused (caller gone or watchdog) is classified as such.
        let kind = signal.aborted ? 'aborted' : classifyUpstreamError(err);
        if (kind === 'aborted' && idleTimedOut()) kind = 'timeout';
        if (kind !== 'aborted') metrics.upstreamError(kind);
        throw new UpstreamFailure(kind, err instanceof Error ? err.message : String(err));
      }
    });
  }

  /** What to do with a model answer's tool calls: hand them back, stop at the bound, or run them. */
  function next(
    calls: ToolCall[],
    req: LoopRequest,
    step: number,
  ): 'done' | 'handback' | 'max_steps' | 'run' {
    if (calls.length === 0) return 'done';
    if (req.mode === 'return' || !calls.every((c) => tools.runs(c.name))) return 'handback';
    return step >= deps.maxSteps ? 'max_steps' : 'run';
  }

  async function runTools(calls: ToolCall[], output: string, req: LoopRequest, events?: LoopEvents) {
    const results = await Promise.all(calls.map((c) => tools.call(c, req)));
    req.messages.push({
      role: 'assistant',
      content: output === '' ? null : output,
      tool_calls: calls.map((c) => ({
        id: c.id,
        type: 'function' as const,
        function: { name: c.name, arguments: c.arguments },
      })),
    });
    calls.forEach((c, i) => {
      const result = results[i] as ToolResult;
      req.messages.push({ role: 'tool', tool_call_id: c.id, content: result.content });
      events?.tool(c, result);
    });
  }

  function finish(step: Omit<Completion, 'usage'>, usage: Usage, steps: number, action: string): LoopResult {
    const handed = action === 'handback' || action === 'max_steps';
    return {
      output: step.output,
      model: step.model,
      usage,
      finishReason: action === 'max_steps' ? 'max_steps' : step.finishReason,
      toolCalls: handed ? step.toolCalls : [],
      steps,
    };
  }

  return {
    async run(req: LoopRequest): Promise<LoopResult> {
      const usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      const defs = tools.definitions();
      for (let step = 1; ; step++) {
        const done = await modelCall(
          () =>
            upstream.complete(req.messages, { signal: req.signal, requestId: req.requestId, tools: defs }),
          req.signal,
        );
        metrics.served(done.model);
        addUsage(usage, done.usage);
        const action = next(done.toolCalls, req, step);
        if (action !== 'run') return finish(done, usage, step, action);
        await runTools(done.toolCalls, done.output, req);
      }
    },

    /**
     * The streaming loop. `open` is called once, before the first byte (so a failure of the first model
     * call can still be a plain HTTP error). Silence longer than `idleMs` within a model stream aborts it.
     */
    async stream(
      req: LoopRequest & { abort(): void },
      events: LoopEvents & { open(): void },
      idleMs: number,
    ): Promise<LoopResult> {
      const usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      let idleTimedOut = false;
      let watchdog: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          idleTimedOut = true;
          req.abort();
        }, idleMs);
      };
      try {
        for (let step = 1; ; step++) {
          let output = '';
          const end = await modelCall(
            async () => {
              const stream = await upstream.stream(req.messages, {
                signal: req.signal,
                requestId: req.requestId,
                tools: tools.definitions(),
              });
              if (step === 1) events.open();
              arm();
              for await (const ev of stream as AsyncIterable<StreamEvent>) {
                arm();
                if (ev.type === 'delta') {
                  output += ev.content;
                  events.delta(ev.content);
                  continue;
                }
                // The SDK ends the iteration quietly when aborted, so check before declaring success.
                if (req.signal.aborted) break;
                return ev;
              }
              throw new APIUserAbortError();
            },
            req.signal,
            () => idleTimedOut,
          );
          clearTimeout(watchdog);
          metrics.served(end.model);
          addUsage(usage, end.usage);
          const action = next(end.toolCalls, req, step);
          if (action !== 'run') return finish({ ...end, output }, usage, step, action);
          await runTools(end.toolCalls, output, req, events);
        }
      } finally {
        clearTimeout(watchdog);
      }
    },
  };
}

export type AgentLoop = ReturnType<typeof createAgentLoop>;

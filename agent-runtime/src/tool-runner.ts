// Runs the version's tools for the agent loop. Each tool has its own policies (cockatiel): a timeout per
// attempt, retries with exponential backoff and jitter on failures another attempt may fix, and a circuit
// breaker that refuses calls to a tool that keeps failing. Every call ends as one agent_tool_calls_total
// {tool, outcome}; the tool label is a name from the version's file, never what the model or caller sent.
// A tool with sideEffects is answered with a stub when side effects are off (shadow traffic).
import {
  ExponentialBackoff,
  handleWhen,
  isTaskCancelledError,
  type RetryPolicy,
  retry,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import type { Logger } from 'pino';
import type { ToolConfig } from './agent-config-file.js';
import { BreakerOpenError, breakerStateValue, CircuitBreaker } from './circuit-breaker.js';
import { callHttpTool } from './http-tool.js';
import type { McpServers } from './mcp-tools.js';
import { type RuntimeMetrics, type ToolOutcome, UNKNOWN_TOOL } from './metrics.js';
import { ToolError } from './tool-error.js';
import type { ToolCall, ToolDefinition } from './upstream.js';

export interface ToolResult {
  /** What the model reads as the tool's answer (an error is explained in JSON). */
  content: string;
  outcome: ToolOutcome;
}

export interface ToolCallContext {
  signal: AbortSignal;
  requestId: string;
  /** Answer tools with sideEffects with a stub instead of calling them. */
  stubSideEffects: boolean;
}

export const STUB_RESULT = JSON.stringify({
  stubbed: true,
  note: 'side effects are off for this request (shadow traffic): the tool was not called',
});

interface Tool {
  config: ToolConfig;
  breaker: CircuitBreaker;
  retry: RetryPolicy;
  timeout: TimeoutPolicy;
}

export interface ToolRunnerOptions {
  tools: ToolConfig[];
  breaker: { failureThreshold: number; resetTimeoutMs: number };
  mcp: McpServers;
  logger: Logger;
  /** Set once the metrics exist (they read the breakers of this runner). */
  metrics?: RuntimeMetrics;
}

const errorResult = (message: string) => JSON.stringify({ error: message });

export function createToolRunner(opts: ToolRunnerOptions) {
  const { mcp, logger } = opts;
  let metrics = opts.metrics;
  const tools = new Map<string, Tool>();
  for (const config of opts.tools) {
    const tool: Tool = {
      config,
      breaker: new CircuitBreaker({
        ...opts.breaker,
        isFailure: (err) => (err instanceof ToolError && err.unhealthy) || isTaskCancelledError(err),
        onStateChange: (from, to) =>
          logger.warn({ tool: config.name, from, to }, 'tool circuit breaker state changed'),
      }),
      retry: retry(
        handleWhen((err) => (err instanceof ToolError && err.retryable) || isTaskCancelledError(err)),
        {
          maxAttempts: config.retries,
          backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }),
        },
      ),
      timeout: timeout(Math.round(config.timeoutSeconds * 1000), TimeoutStrategy.Aggressive),
    };
    tools.set(config.name, tool);
  }

  function definition(t: ToolConfig): ToolDefinition {
    const parameters =
      t.parameters ?? (t.protocol === 'mcp' && t.url ? mcp.schema(t.url, t.name) : undefined);
    return {
      type: 'function',
      function: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        ...(parameters !== undefined ? { parameters } : {}),
      },
    };
  }
  let definitions = opts.tools.map(definition);

  async function attempt(tool: Tool, args: Record<string, unknown>, signal: AbortSignal, requestId: string) {
    const { config } = tool;
    const url = config.url as string;
    if (config.protocol === 'mcp') {
      return mcp.call(url, config.name, args, {
        signal,
        timeoutMs: Math.round(config.timeoutSeconds * 1000),
      });
    }
    return callHttpTool(url, args, { signal, requestId, tool: config.name });
  }

  return {
    /** The tools offered to the model (MCP schemas are filled in once `discover` has read them). */
    definitions: (): ToolDefinition[] => definitions,

    /** True when the runtime runs this tool; false for a tool without a URL (the caller runs it). */
    runs(name: string): boolean {
      const tool = tools.get(name);
      return tool === undefined || tool.config.url !== undefined;
    },

    breakerState(name: string): number {
      const tool = tools.get(name);
      return tool ? breakerStateValue(tool.breaker.state) : 0;
    },

    setMetrics(m: RuntimeMetrics): void {
      metrics = m;
    },

    /** Reads the input schemas of MCP tools that the agent file leaves without parameters. */
    async discover(): Promise<void> {
      const servers = new Map<string, number>();
      for (const t of opts.tools) {
        if (t.protocol === 'mcp' && t.url && t.parameters === undefined) {
          servers.set(t.url, Math.max(servers.get(t.url) ?? 0, Math.round(t.timeoutSeconds * 1000)));
        }
      }
      await Promise.all([...servers].map(([url, ms]) => mcp.discover(url, ms)));
      definitions = opts.tools.map(definition);
    },

    /** Runs one tool call of the model. Never throws: failures become a result the model can read. */
    async call(call: ToolCall, ctx: ToolCallContext): Promise<ToolResult> {
      const tool = tools.get(call.name);
      const label = tool ? call.name : UNKNOWN_TOOL;
      const done = (outcome: ToolOutcome, content: string, seconds?: number, retries = 0): ToolResult => {
        metrics?.toolCall(label, outcome, seconds, retries);
        return { outcome, content };
      };
      if (!tool) return done('invalid', errorResult(`there is no tool named ${JSON.stringify(call.name)}`));
      let args: unknown;
      try {
        args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
      } catch (err) {
        return done('invalid', errorResult(`the arguments are not valid JSON: ${(err as Error).message}`));
      }
      if (args === null || typeof args !== 'object' || Array.isArray(args)) {
        return done('invalid', errorResult('the arguments must be a JSON object'));
      }
      if (tool.config.sideEffects && ctx.stubSideEffects) return done('stubbed', STUB_RESULT);

      const started = performance.now();
      let attempts = 0;
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const content = await tool.retry.execute(
          ({ signal }) =>
            tool.breaker.execute(() => {
              attempts += 1;
              return tool.timeout.execute(
                ({ signal: attemptSignal }) =>
                  attempt(tool, args as Record<string, unknown>, attemptSignal, ctx.requestId),
                signal,
              );
            }),
          ctx.signal,
        );
        return done('success', content, seconds(), Math.max(0, attempts - 1));
      } catch (err) {
        const retried = Math.max(0, attempts - 1);
        if (ctx.signal.aborted) throw err; // the caller is gone; the loop ends the request as canceled
        if (err instanceof BreakerOpenError) {
          return done(
            'circuit_open',
            errorResult(`the tool ${call.name} is failing; its circuit breaker is open`),
            seconds(),
            retried,
          );
        }
        if (isTaskCancelledError(err)) {
          const limit = `${tool.config.timeoutSeconds} s`;
          return done(
            'timeout',
            errorResult(`the tool ${call.name} did not answer within ${limit}`),
            seconds(),
            retried,
          );
        }
        const message = err instanceof ToolError ? err.message : `the tool failed: ${String(err)}`;
        logger.warn({ requestId: ctx.requestId, tool: call.name, err: message }, 'tool call failed');
        return done('error', errorResult(message), seconds(), retried);
      }
    },
  };
}

export type ToolRunner = ReturnType<typeof createToolRunner>;

// MCP tools, through the official @modelcontextprotocol/sdk client over Streamable HTTP. One client per
// server URL, connected on first use (or by `discover` at start) and kept; a broken connection is dropped
// and the next call connects again. Tool input schemas are read from the server (tools/list) for tools
// whose agent file entry has no `parameters`.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { capResult, ToolError } from './tool-error.js';

interface CallResult {
  content?: unknown;
  structuredContent?: unknown;
  isError?: unknown;
}

/** The text the model reads from an MCP tool result: its text items, else its structured content. */
export function resultText(result: CallResult): string {
  const items = Array.isArray(result.content) ? (result.content as { type?: string; text?: unknown }[]) : [];
  const texts = items.map((c) =>
    c.type === 'text' && typeof c.text === 'string' ? c.text : `[${c.type ?? 'item'}]`,
  );
  if (texts.length > 0) return texts.join('\n');
  return result.structuredContent === undefined ? '' : JSON.stringify(result.structuredContent);
}

/** Maps what the SDK throws to a ToolError (or rethrows an abort as is). */
export function toToolError(err: unknown): ToolError {
  if (err instanceof ToolError) return err;
  if (err instanceof McpError) {
    if (err.code === ErrorCode.ConnectionClosed || err.code === ErrorCode.RequestTimeout) {
      return new ToolError('connection', `MCP server: ${err.message}`, true);
    }
    if (err.code === ErrorCode.InternalError)
      return new ToolError('server', `MCP server: ${err.message}`, true);
    return new ToolError('client', `MCP server refused the call: ${err.message}`, false);
  }
  if (err instanceof StreamableHTTPError) {
    const code = err.code ?? 0;
    if (code >= 500 || code === 429 || code === 408 || code === 404) {
      return new ToolError('server', `MCP server answered ${code}: ${err.message}`, true);
    }
    return new ToolError('client', `MCP server answered ${code}: ${err.message}`, false);
  }
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  return new ToolError('connection', `cannot reach the MCP server: ${cause ?? String(err)}`, true);
}

export class McpServers {
  private readonly clients = new Map<string, Promise<Client>>();
  private readonly schemas = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly clientInfo: { name: string; version: string },
    private readonly logger: Logger,
  ) {}

  /** The input schema the server gave for `tool`, once read. */
  schema(url: string, tool: string): Record<string, unknown> | undefined {
    return this.schemas.get(`${url}#${tool}`);
  }

  /** Connects and reads the server's tool list (schemas). Failures are logged; calls connect again. */
  async discover(url: string, timeoutMs: number): Promise<void> {
    try {
      const client = await this.client(url, timeoutMs);
      const { tools } = await client.listTools(undefined, { timeout: timeoutMs });
      for (const t of tools) this.schemas.set(`${url}#${t.name}`, t.inputSchema as Record<string, unknown>);
    } catch (err) {
      this.drop(url);
      this.logger.warn({ url, err: toToolError(err).message }, 'MCP server: cannot read its tools yet');
    }
  }

  async call(
    url: string,
    tool: string,
    args: Record<string, unknown>,
    opts: { signal: AbortSignal; timeoutMs: number },
  ): Promise<string> {
    let result: CallResult;
    try {
      const client = await this.client(url, opts.timeoutMs);
      // The SDK's own timeout is a backstop; the tool policy's timeout (the signal) fires first.
      result = (await client.callTool({ name: tool, arguments: args }, undefined, {
        signal: opts.signal,
        timeout: opts.timeoutMs + 1000,
      })) as CallResult;
    } catch (err) {
      if (opts.signal.aborted) throw err;
      const failure = toToolError(err);
      if (failure.kind === 'connection' || failure.kind === 'server') this.drop(url);
      throw failure;
    }
    const text = capResult(resultText(result));
    if (result.isError === true) throw new ToolError('tool', `the tool reported an error: ${text}`, true);
    return text;
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.then((client) => client.close()).catch(() => undefined)));
  }

  private client(url: string, timeoutMs: number): Promise<Client> {
    let pending = this.clients.get(url);
    if (!pending) {
      const client = new Client(this.clientInfo);
      pending = client
        .connect(new StreamableHTTPClientTransport(new URL(url)), { timeout: timeoutMs })
        .then(() => client);
      const mine = pending;
      mine.catch(() => {
        if (this.clients.get(url) === mine) this.clients.delete(url);
      });
      this.clients.set(url, mine);
    }
    return pending;
  }

  private drop(url: string): void {
    const pending = this.clients.get(url);
    this.clients.delete(url);
    pending?.then((c) => c.close()).catch(() => undefined);
  }
}

// A fake tool server for tests, the benchmark and demos: every configured tool is served both as an HTTP
// tool (POST /tools/<name> with the arguments as a JSON object) and as a tool of an MCP server (Streamable
// HTTP at /mcp, stateless, through the official @modelcontextprotocol/sdk server), each with its own
// latency, failure rate and hangs. Test controls: GET /_stats, PUT /_tools/<name> (change a behaviour).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { decideFate, sampleLatencyMs, seededRandom } from './fake-openai-behaviour.js';
import { type FakeToolsConfig, type ToolBehaviour, toolBehaviourSchema } from './fake-tools-config.js';

export interface ToolStats {
  calls: number;
  ok: number;
  errors: number;
  hangs: number;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

type Outcome = { ok: true; result: unknown } | { ok: false; message: string } | { hang: true };

export async function startFakeTools(opts: { config: FakeToolsConfig; port?: number; host?: string }) {
  const { config } = opts;
  const random = config.seed === undefined ? Math.random : seededRandom(config.seed);
  const stats: Record<string, ToolStats> = {};
  const timers = new Set<NodeJS.Timeout>();
  const behaviourOf = (name: string): ToolBehaviour | undefined => config.tools[name] ?? config.tools['*'];
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  /** One call of a tool: decides its fate, waits its latency, counts it. */
  async function run(name: string, b: ToolBehaviour, args: unknown): Promise<Outcome> {
    const s = stats[name] ?? { calls: 0, ok: 0, errors: 0, hangs: 0 };
    stats[name] = s;
    s.calls += 1;
    const fate = decideFate(b, random);
    const latency = sampleLatencyMs(b.latencyMs, random);
    if (fate === 'hang') {
      s.hangs += 1;
      return { hang: true };
    }
    if (latency > 0) await sleep(latency);
    if (fate === 'error') {
      s.errors += 1;
      return { ok: false, message: `simulated failure of ${name}` };
    }
    s.ok += 1;
    return { ok: true, result: b.result ?? { tool: name, arguments: args } };
  }

  async function httpTool(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const b = behaviourOf(name);
    if (!b) return send(res, 404, { error: `no tool named ${name}` });
    let args: unknown;
    try {
      args = await readJson(req);
    } catch (err) {
      return send(res, 400, { error: `invalid JSON: ${(err as Error).message}` });
    }
    const outcome = await run(name, b, args);
    if ('hang' in outcome || res.destroyed) return; // held open until the caller gives up
    if (!outcome.ok) {
      return send(
        res,
        b.errorStatus,
        { error: outcome.message },
        b.retryable ? {} : { 'x-should-retry': 'false' },
      );
    }
    send(res, 200, outcome.result);
  }

  function mcpServer(): Server {
    const server = new Server({ name: 'fake-tools', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: Object.entries(config.tools)
        .filter(([name]) => name !== '*')
        .map(([name, b]) => ({
          name,
          ...(b.description ? { description: b.description } : {}),
          inputSchema: (b.parameters ?? { type: 'object' }) as { type: 'object' },
        })),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      const name = request.params.name;
      const b = behaviourOf(name);
      if (!b) return { content: [{ type: 'text', text: `no tool named ${name}` }], isError: true };
      const outcome = await run(name, b, request.params.arguments ?? {});
      if ('hang' in outcome) return new Promise<never>(() => undefined);
      if (!outcome.ok) return { content: [{ type: 'text', text: outcome.message }], isError: true };
      return { content: [{ type: 'text', text: JSON.stringify(outcome.result) }] };
    });
    return server;
  }

  async function mcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST')
      return send(res, 405, { error: 'this MCP server is stateless: POST only' }, { allow: 'POST' });
    // Stateless Streamable HTTP: a server and transport per request, closed with the answer.
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.once('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, await readJson(req));
  }

  async function setBehaviour(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const parsed = toolBehaviourSchema.safeParse(await readJson(req).catch(() => undefined));
    if (!name || !parsed.success) {
      return send(res, 400, {
        error: parsed.success ? 'a tool name is required' : z.prettifyError(parsed.error),
      });
    }
    config.tools[name] = parsed.data;
    send(res, 200, { tool: name, behaviour: parsed.data });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const fail = () => {
      if (!res.headersSent) send(res, 500, { error: 'internal error of the fake tool server' });
      else res.destroy();
    };
    if (req.method === 'POST' && path.startsWith('/tools/')) {
      httpTool(req, res, decodeURIComponent(path.slice('/tools/'.length))).catch(fail);
    } else if (path === '/mcp') {
      mcp(req, res).catch(fail);
    } else if (req.method === 'GET' && (path === '/readyz' || path === '/livez')) {
      send(res, 200, { status: 'ok' });
    } else if (req.method === 'GET' && path === '/_stats') {
      send(res, 200, stats);
    } else if (req.method === 'PUT' && path.startsWith('/_tools/')) {
      setBehaviour(req, res, decodeURIComponent(path.slice('/_tools/'.length))).catch(fail);
    } else {
      send(res, 404, { error: `no route ${req.method} ${path}` });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

  return {
    server,
    port,
    url,
    /** URL of an HTTP tool. */
    toolURL: (name: string) => `${url}/tools/${encodeURIComponent(name)}`,
    /** URL of the MCP server. */
    mcpURL: `${url}/mcp`,
    stats: () => structuredClone(stats),
    setTool(name: string, behaviour: z.input<typeof toolBehaviourSchema>): void {
      config.tools[name] = toolBehaviourSchema.parse(behaviour);
    },
    close(): Promise<void> {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export type FakeTools = Awaited<ReturnType<typeof startFakeTools>>;

// A local OpenAI-compatible upstream for tests, benchmarks and the demo: /v1/chat/completions (plain and
// SSE streaming in the chat.completion.chunk format, with usage) and /v1/models, each model behaving as its
// config says (latency, error rate and status, hangs). Only meant for loopback use.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  type AnsweredCall,
  type ChatMessage,
  judgeReply,
  replyText,
  servedModel,
  systemPrompt,
  toolCallsFor,
} from './fake-openai-answer.js';
import {
  decideFate,
  estimateTokens,
  promptTokens,
  sampleLatencyMs,
  seededRandom,
} from './fake-openai-behaviour.js';
import { behaviourSchema, type FakeConfig, type ModelBehaviour } from './fake-openai-config.js';

const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.string(),
        content: z.unknown().optional(),
        tool_calls: z
          .array(
            z.looseObject({
              id: z.string().optional(),
              function: z
                .looseObject({ name: z.string().optional(), arguments: z.string().optional() })
                .optional(),
            }),
          )
          .optional(),
        tool_call_id: z.string().optional(),
      }),
    )
    .min(1),
  tools: z.array(z.looseObject({ function: z.looseObject({ name: z.string() }).optional() })).optional(),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
});

/** Answered calls remembered for judge calls (by x-request-id); the oldest are forgotten past this. */
const MAX_REMEMBERED = 10_000;

export interface ModelStats {
  requests: number;
  ok: number;
  errors: number;
  hangs: number;
}

function json(
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

function apiError(res: ServerResponse, status: number, message: string, type: string, code: string | null) {
  json(res, status, { error: { message, type, param: null, code } });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startFakeOpenAI(opts: { config: FakeConfig; port?: number; host?: string }) {
  const { config } = opts;
  const random = config.seed === undefined ? Math.random : seededRandom(config.seed);
  const stats: Record<string, ModelStats> = {};
  const timers = new Set<NodeJS.Timeout>();
  const answered = new Map<string, AnsweredCall>();
  const startedAt = Date.now();
  let counter = 0;

  const later = (ms: number, res: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve(!res.destroyed);
      }, ms);
      timers.add(timer);
      res.once('close', () => {
        if (timers.delete(timer)) {
          clearTimeout(timer);
          resolve(false);
        }
      });
    });

  const behaviourOf = (model: string): ModelBehaviour | undefined =>
    config.models[model] ?? config.models['*'];

  const recent: unknown[] = [];
  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (config.apiKey !== undefined && req.headers.authorization !== `Bearer ${config.apiKey}`) {
      apiError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      return;
    }
    let raw: unknown;
    try {
      raw = await readJson(req);
    } catch {
      apiError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
      return;
    }
    recent.push(raw);
    if (recent.length > 50) recent.shift();
    const parsed = chatRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      apiError(res, 400, msg, 'invalid_request_error', null);
      return;
    }
    const body = parsed.data;
    const asked = behaviourOf(body.model);
    const served = asked ? servedModel(body.model, asked, startedAt, Date.now()) : body.model;
    const behaviour = served === body.model ? asked : (config.models[served] ?? asked);
    if (!behaviour) {
      apiError(
        res,
        404,
        `The model \`${body.model}\` does not exist.`,
        'invalid_request_error',
        'model_not_found',
      );
      return;
    }
    const s = stats[body.model] ?? { requests: 0, ok: 0, errors: 0, hangs: 0 };
    stats[body.model] = s;
    s.requests += 1;
    const fate = decideFate(behaviour, random);
    const latency = sampleLatencyMs(behaviour.latencyMs, random);
    if (fate === 'hang') {
      s.hangs += 1;
      if (behaviour.hangMs === undefined) return; // held open until the caller gives up
      if (!(await later(behaviour.hangMs, res))) return;
    } else if (latency > 0 && !(await later(latency, res))) {
      return;
    }
    if (fate === 'error') {
      s.errors += 1;
      const headers: Record<string, string> = behaviour.retryable ? {} : { 'x-should-retry': 'false' };
      json(
        res,
        behaviour.errorStatus,
        {
          error: {
            message: `simulated failure of ${body.model}`,
            type: 'server_error',
            param: null,
            code: null,
          },
        },
        headers,
      );
      return;
    }
    s.ok += 1;
    counter += 1;
    const messages = body.messages as ChatMessage[];
    const requestId = req.headers['x-request-id'];
    let toolCalls: ReturnType<typeof toolCallsFor> = [];
    let content: string;
    if (behaviour.judge) {
      content = judgeReply(
        behaviour.judge,
        typeof requestId === 'string' ? answered.get(requestId) : undefined,
        random,
      );
    } else {
      const offered = new Set((body.tools ?? []).flatMap((t) => (t.function ? [t.function.name] : [])));
      toolCalls = toolCallsFor(behaviour, messages, offered, counter);
      content = toolCalls.length > 0 ? '' : replyText(behaviour, messages);
      if (typeof requestId === 'string') {
        answered.delete(requestId);
        answered.set(requestId, { model: served, system: systemPrompt(messages) });
        if (answered.size > MAX_REMEMBERED) answered.delete(answered.keys().next().value as string);
      }
    }
    const finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
    const usage = {
      prompt_tokens: promptTokens(body.messages),
      completion_tokens:
        estimateTokens(content) + estimateTokens(toolCalls.map((c) => c.function.arguments).join('')),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const id = `chatcmpl-fake-${counter}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      json(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: served,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: toolCalls.length > 0 ? null : content,
              refusal: null,
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      });
      return;
    }
    const withUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: served, choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
    );
    for (const piece of content.match(/\S+\s*|\s+/g) ?? []) {
      if (behaviour.chunkDelayMs > 0 && !(await later(behaviour.chunkDelayMs, res))) return;
      res.write(chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]));
    }
    // Tool calls come in two pieces each (id and name, then the arguments), as real providers send them.
    for (const [index, call] of toolCalls.entries()) {
      const head = {
        index,
        id: call.id,
        type: 'function',
        function: { name: call.function.name, arguments: '' },
      };
      res.write(chunk([{ index: 0, delta: { tool_calls: [head] }, logprobs: null, finish_reason: null }]));
      const args = { index, function: { arguments: call.function.arguments } };
      res.write(chunk([{ index: 0, delta: { tool_calls: [args] }, logprobs: null, finish_reason: null }]));
    }
    res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]));
    if (withUsage) res.write(chunk([], { usage }));
    res.end('data: [DONE]\n\n');
  }

  async function setBehaviour(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    let raw: unknown;
    try {
      raw = await readJson(req);
    } catch (err) {
      apiError(res, 400, `invalid JSON: ${(err as Error).message}`, 'invalid_request_error', 'invalid_json');
      return;
    }
    const parsed = behaviourSchema.safeParse(raw);
    if (!name || !parsed.success) {
      const why = parsed.success ? 'a model name is required' : z.prettifyError(parsed.error);
      apiError(res, 400, why, 'invalid_request_error', 'invalid_behaviour');
      return;
    }
    config.models[name] = parsed.data;
    json(res, 200, { model: name, behaviour: parsed.data });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      chat(req, res).catch(() => res.destroy());
    } else if (req.method === 'GET' && path === '/v1/models') {
      const data = Object.keys(config.models)
        .filter((m) => m !== '*')
        .map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-openai' }));
      json(res, 200, { object: 'list', data });
    } else if (req.method === 'GET' && (path === '/readyz' || path === '/livez')) {
      json(res, 200, { status: 'ok' });
    } else if (req.method === 'GET' && path === '/_stats') {
      json(res, 200, stats);
    } else if (req.method === 'PUT' && path?.startsWith('/_models/')) {
      // Test control: change a model's behaviour while running (a fault that starts at a known time).
      setBehaviour(req, res, decodeURIComponent(path.slice('/_models/'.length))).catch(() => res.destroy());
    } else {
      apiError(
        res,
        404,
        `Unknown request URL: ${req.method} ${path}`,
        'invalid_request_error',
        'unknown_url',
      );
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    server,
    port,
    url: `http://${host}:${port}`,
    /** Base URL for the openai SDK (`baseURL`). */
    baseURL: `http://${host}:${port}/v1`,
    stats: () => structuredClone(stats),
    /** The last 50 chat request bodies, oldest first (what the caller really sent). */
    requests: () => structuredClone(recent),
    /** Changes (or adds) one model's behaviour while running. */
    setModel(name: string, behaviour: z.input<typeof behaviourSchema>): void {
      config.models[name] = behaviourSchema.parse(behaviour);
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

export type FakeOpenAI = Awaited<ReturnType<typeof startFakeOpenAI>>;

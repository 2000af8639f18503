// The online judge: a sampled share of answered requests is scored by a judge model against the version's
// rubric, off the request path. `submit` only hashes the request id and, when sampled, queues the pair;
// the judge calls run later (setImmediate), at most `maxConcurrency` at once and `maxPerMinute` started per
// minute, with a bounded queue. Samples over the budget or the queue are dropped and counted, never waited
// for. Scores go to agent_eval_score / agent_evals_total; no text goes to metrics, and the judged text is
// logged only at debug level.
import OpenAI from 'openai';
import type { Logger } from 'pino';
import type { JudgeConfig } from './agent-config-file.js';
import type { InvokeMessage } from './invoke-schema.js';
import type { EvalVerdict, RuntimeMetrics } from './metrics.js';
import { createNodeFetch } from './node-fetch.js';

export interface JudgeSample {
  requestId: string;
  messages: InvokeMessage[];
  output: string;
  /** The model that answered, as the provider reported it. */
  model: string;
  toolCalls: unknown[];
}

export interface JudgeOptions {
  config: JudgeConfig & { apiKey: string; baseURL?: string | undefined };
  metrics: RuntimeMetrics;
  logger: Logger;
  /** Clock for the budget (tests). */
  now?: () => number;
  /** Replaces the model call (tests): resolves with the judge's reply text. */
  complete?: (
    messages: OpenAI.ChatCompletionMessageParam[],
    requestId: string,
    signal: AbortSignal,
  ) => Promise<string>;
}

export const JUDGE_INSTRUCTIONS = [
  'You are an impartial judge of an AI agent. You are given a conversation with the agent and its final',
  'answer. Score how well the answer meets the rubric below, from 0 (fails it entirely) to 1 (fully meets',
  'it). Reply with one JSON object and nothing else: {"score": <number from 0 to 1>, "reason": "<one sentence>"}.',
].join(' ');

/** FNV-1a of the request id, as a share in [0, 1): the same id is always sampled the same way. */
export function sampleShare(requestId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    h ^= requestId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4294967296;
}

/** The score in a judge's reply: a JSON object's `score`, or the first number; undefined when none in 0..1. */
export function parseScore(text: string): { score: number; reason?: string } | undefined {
  const candidates = [text.trim(), /\{[\s\S]*\}/.exec(text)?.[0]].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      const parsed = JSON.parse(c) as { score?: unknown; reason?: unknown };
      const score = typeof parsed === 'number' ? parsed : Number(parsed?.score);
      if (Number.isFinite(score) && score >= 0 && score <= 1) {
        return typeof parsed.reason === 'string' ? { score, reason: parsed.reason } : { score };
      }
    } catch {
      // not JSON; try the next candidate
    }
  }
  const number = /-?\d+(?:\.\d+)?/.exec(text)?.[0];
  const score = number === undefined ? Number.NaN : Number(number);
  return score >= 0 && score <= 1 ? { score } : undefined;
}

/** The judge's user message: the conversation and the answer, as plain text. */
export function renderSample(sample: Pick<JudgeSample, 'messages' | 'output'>): string {
  const turns = sample.messages.map((m) => `${m.role}: ${m.content}`).join('\n');
  return `Conversation:\n${turns}\n\nAnswer to judge:\n${sample.output}`;
}

export function createJudge(opts: JudgeOptions) {
  const { config, metrics, logger } = opts;
  const now = opts.now ?? Date.now;
  const system = `${JUDGE_INSTRUCTIONS}\n\nRubric:\n${config.rubric}`;
  const controller = new AbortController();
  const complete =
    opts.complete ??
    (() => {
      const client = new OpenAI({
        apiKey: config.apiKey,
        baseURL: config.baseURL,
        timeout: Math.round(config.timeoutSeconds * 1000),
        maxRetries: 1,
        fetch: createNodeFetch({ maxSockets: config.maxConcurrency }),
        logLevel: 'off',
      });
      return async (
        messages: OpenAI.ChatCompletionMessageParam[],
        requestId: string,
        signal: AbortSignal,
      ) => {
        const res = await client.chat.completions.create(
          { model: config.model, messages },
          { signal, headers: { 'x-request-id': requestId } },
        );
        return res.choices[0]?.message.content ?? '';
      };
    })();

  const queue: JudgeSample[] = [];
  let running = 0;
  let scheduled = false;
  let stopped = false;
  // Budget: a bucket of maxPerMinute tokens, refilled continuously.
  let tokens = config.maxPerMinute;
  let refilledAt = now();

  function takeBudget(): boolean {
    const t = now();
    tokens = Math.min(config.maxPerMinute, tokens + ((t - refilledAt) * config.maxPerMinute) / 60_000);
    refilledAt = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  async function judgeOne(sample: JudgeSample): Promise<void> {
    let verdict: EvalVerdict = 'error';
    try {
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'system', content: system },
        { role: 'user', content: renderSample(sample) },
      ];
      const reply = await complete(messages, sample.requestId, controller.signal);
      const parsed = parseScore(reply);
      if (!parsed) {
        metrics.evaluated('error', undefined);
        logger.warn(
          { requestId: sample.requestId, judge: config.model },
          'judge reply has no score from 0 to 1',
        );
        return;
      }
      verdict = parsed.score >= config.passScore ? 'pass' : 'fail';
      metrics.evaluated(verdict, parsed.score);
      logger.info(
        {
          requestId: sample.requestId,
          score: parsed.score,
          verdict,
          judge: config.model,
          servedModel: sample.model,
        },
        'eval',
      );
      logger.debug(
        {
          requestId: sample.requestId,
          messages: sample.messages,
          output: sample.output,
          reason: parsed.reason,
        },
        'eval text',
      );
    } catch (err) {
      if (stopped) return;
      metrics.evaluated('error', undefined);
      logger.warn(
        { requestId: sample.requestId, judge: config.model, err: (err as Error).message },
        'judge call failed',
      );
    }
  }

  function pump(): void {
    scheduled = false;
    while (!stopped && running < config.maxConcurrency && queue.length > 0) {
      const sample = queue.shift() as JudgeSample;
      running += 1;
      void judgeOne(sample).finally(() => {
        running -= 1;
        if (queue.length > 0 && !scheduled) pump();
      });
    }
  }

  return {
    /** Offers one answered request; returns at once whatever happens to it. */
    submit(sample: JudgeSample): void {
      if (stopped || sample.toolCalls.length > 0 || sampleShare(sample.requestId) >= config.sampleRate)
        return;
      if (queue.length >= config.queueSize) {
        metrics.evalDropped('queue_full');
        return;
      }
      if (!takeBudget()) {
        metrics.evalDropped('budget');
        return;
      }
      queue.push(sample);
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    },

    get pending(): number {
      return queue.length + running;
    },

    /** Stops judging: queued samples are dropped, calls in flight aborted (at shutdown). */
    stop(): void {
      stopped = true;
      queue.length = 0;
      controller.abort();
    },
  };
}

export type Judge = ReturnType<typeof createJudge>;

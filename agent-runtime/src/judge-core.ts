// The judging itself, shared by the judge worker thread and the in-process runner of tests: the prompt,
// the reading of a score, and a small runner that makes at most `maxConcurrency` judge calls at once.
import OpenAI from 'openai';
import type { JudgeConfig } from './agent-config-file.js';
import type { InvokeMessage } from './invoke-schema.js';
import type { EvalVerdict } from './metrics.js';
import { createNodeFetch } from './node-fetch.js';

/** The judge's settings with its API key and base URL resolved (RuntimeConfig.judge). */
export type ResolvedJudgeConfig = JudgeConfig & { apiKey: string; baseURL?: string | undefined };

/** What is judged: the caller's conversation and the answer, with the request id and the answering model. */
export interface JudgeSample {
  requestId: string;
  messages: InvokeMessage[];
  output: string;
  /** The model that answered, as the provider reported it. */
  model: string;
  /** What a good answer says (a golden dataset's `expect`), shown to the judge with the rubric. */
  reference?: string | undefined;
}

export interface JudgeResult {
  /** Sequence number of the sample (request ids come from callers and may repeat). */
  seq: number;
  verdict: EvalVerdict;
  score?: number | undefined;
  reason?: string | undefined;
  /** Why the verdict is `error`. */
  error?: string | undefined;
}

/** The judge model call: resolves with the judge's reply text. */
export type JudgeComplete = (
  messages: OpenAI.ChatCompletionMessageParam[],
  requestId: string,
  signal: AbortSignal,
) => Promise<string>;

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

/** The judge's user message: the conversation, the reference answer when given, and the answer. */
export function renderSample(sample: Pick<JudgeSample, 'messages' | 'output' | 'reference'>): string {
  const turns = sample.messages.map((m) => `${m.role}: ${m.content}`).join('\n');
  const reference =
    sample.reference !== undefined
      ? `\n\nReference answer (what a good answer says):\n${sample.reference}`
      : '';
  return `Conversation:\n${turns}${reference}\n\nAnswer to judge:\n${sample.output}`;
}

/** The judge call through the openai SDK, with the judged request's id as x-request-id. */
export function openAIComplete(config: ResolvedJudgeConfig): JudgeComplete {
  const client = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseURL,
    timeout: Math.round(config.timeoutSeconds * 1000),
    maxRetries: 1,
    fetch: createNodeFetch({ maxSockets: config.maxConcurrency }),
    logLevel: 'off',
  });
  return async (messages, requestId, signal) => {
    const res = await client.chat.completions.create(
      { model: config.model, messages },
      { signal, headers: { 'x-request-id': requestId } },
    );
    return res.choices[0]?.message.content ?? '';
  };
}

/** Judges samples, at most `maxConcurrency` at once, the rest waiting in order; each ends in one result. */
export function createJudgeRunner(
  config: ResolvedJudgeConfig,
  complete: JudgeComplete,
  onResult: (r: JudgeResult) => void,
) {
  const system = `${JUDGE_INSTRUCTIONS}\n\nRubric:\n${config.rubric}`;
  const controller = new AbortController();
  const queue: (JudgeSample & { seq: number })[] = [];
  let running = 0;

  async function judge(s: JudgeSample & { seq: number }): Promise<JudgeResult> {
    try {
      const reply = await complete(
        [
          { role: 'system', content: system },
          { role: 'user', content: renderSample(s) },
        ],
        s.requestId,
        controller.signal,
      );
      const parsed = parseScore(reply);
      if (!parsed) return { seq: s.seq, verdict: 'error', error: 'the reply has no score from 0 to 1' };
      const verdict = parsed.score >= config.passScore ? 'pass' : 'fail';
      return { seq: s.seq, verdict, score: parsed.score, reason: parsed.reason };
    } catch (err) {
      return { seq: s.seq, verdict: 'error', error: (err as Error).message };
    }
  }

  function next(): void {
    while (!controller.signal.aborted && running < config.maxConcurrency && queue.length > 0) {
      const s = queue.shift() as JudgeSample & { seq: number };
      running += 1;
      void judge(s).then((r) => {
        running -= 1;
        if (!controller.signal.aborted) onResult(r);
        next();
      });
    }
  }

  return {
    push(sample: JudgeSample & { seq: number }): void {
      queue.push(sample);
      next();
    },
    stop(): void {
      queue.length = 0;
      controller.abort();
    },
  };
}

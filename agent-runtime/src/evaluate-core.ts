// The offline evaluation of a CanaryRelease `evaluation` step (evaluate.ts is the Job's entry): every
// sample of a golden dataset is sent to the canary and to the stable version, each answer is scored by the
// judge (the same runner the online judge uses, judge-core.ts), and the result is a compact report — per
// track the mean score, the judged count and the errors, and the ids of the worst-scored canary samples.
// The report never carries request or answer text, and always fits the 4 KiB of a termination message.
import { z } from 'zod';
import { createJudgeRunner, type JudgeComplete, type ResolvedJudgeConfig } from './judge-core.js';

/** What the report may name of a sample (the operator's EvaluationReport checks the same pattern). */
export const SAMPLE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const MAX_SAMPLES = 1000;
export const TRACKS = ['canary', 'stable'] as const;
export type Track = (typeof TRACKS)[number];

const sampleSchema = z.strictObject({
  id: z.string().regex(SAMPLE_ID, 'must be 1-64 letters, digits, ".", "_", ":" or "-"'),
  input: z.string().min(1).max(100_000),
  expect: z.string().max(100_000).optional(),
});
export type Sample = z.output<typeof sampleSchema>;

/** The dataset's JSON lines (blank lines skipped); a bad line is named by its number, never quoted. */
export function parseDataset(text: string): Sample[] {
  const samples: Sample[] = [];
  const ids = new Set<string>();
  const lines = text.split('\n');
  for (const [n, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new Error(`dataset line ${n + 1}: not JSON`);
    }
    const parsed = sampleSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`dataset line ${n + 1}: ${issue?.path.join('.') || 'sample'}: ${issue?.message}`);
    }
    if (ids.has(parsed.data.id)) throw new Error(`dataset line ${n + 1}: duplicate id`);
    ids.add(parsed.data.id);
    samples.push(parsed.data);
    if (samples.length > MAX_SAMPLES) throw new Error(`dataset: more than ${MAX_SAMPLES} samples`);
  }
  if (samples.length === 0) throw new Error('dataset: no samples');
  return samples;
}

export interface TrackScore {
  mean?: number;
  judged: number;
  errors: number;
}

export type EvaluationResult = {
  v: 1;
  canary: TrackScore;
  stable: TrackScore;
  worst: string[];
};

export interface EvaluationInput {
  samples: Sample[];
  urls: Record<Track, string>;
  judge: ResolvedJudgeConfig;
  complete: JudgeComplete;
  /** Bearer token of /v1/invoke (INVOKE_TOKEN), when the agent requires one. */
  invokeToken?: string | undefined;
  /** Invocations at once per track. */
  concurrency?: number;
  /** Timeout of one invocation. */
  invokeTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** One answer of one version: its output and model, or undefined when the call failed. */
async function invoke(
  input: EvaluationInput,
  track: Track,
  sample: Sample,
  requestId: string,
): Promise<{ output: string; model: string } | undefined> {
  const doFetch = input.fetch ?? fetch;
  try {
    const res = await doFetch(new URL('/v1/invoke', input.urls[track]), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        ...(input.invokeToken ? { authorization: `Bearer ${input.invokeToken}` } : {}),
      },
      body: JSON.stringify({ messages: [{ role: 'user', content: sample.input }] }),
      signal: AbortSignal.timeout(input.invokeTimeoutMs ?? 120_000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const body = (await res.json()) as { output?: unknown; model?: unknown };
    if (typeof body.output !== 'string') return undefined;
    return { output: body.output, model: typeof body.model === 'string' ? body.model : '' };
  } catch {
    return undefined;
  }
}

/** Runs `fn` over `items`, at most `limit` at once. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/** Replays the dataset against both tracks and judges every answer; never throws for a failed sample. */
export async function runEvaluation(input: EvaluationInput): Promise<EvaluationResult> {
  const scores: Record<Track, Map<string, number>> = { canary: new Map(), stable: new Map() };
  const errors: Record<Track, number> = { canary: 0, stable: 0 };
  const pending = new Map<number, (score: number | undefined) => void>();
  const runner = createJudgeRunner(input.judge, input.complete, (r) => {
    pending.get(r.seq)?.(r.verdict === 'error' ? undefined : r.score);
    pending.delete(r.seq);
  });
  let seq = 0;
  const judge = (sample: Sample, requestId: string, answer: { output: string; model: string }) =>
    new Promise<number | undefined>((resolve) => {
      seq += 1;
      pending.set(seq, resolve);
      runner.push({
        seq,
        requestId,
        messages: [{ role: 'user', content: sample.input }],
        output: answer.output,
        model: answer.model,
        reference: sample.expect,
      });
    });
  const work = input.samples.flatMap((sample) => TRACKS.map((track) => ({ sample, track })));
  await pool(work, (input.concurrency ?? 4) * TRACKS.length, async ({ sample, track }) => {
    const requestId = `eval-${track}-${sample.id}`;
    const answer = await invoke(input, track, sample, requestId);
    const score = answer ? await judge(sample, requestId, answer) : undefined;
    if (score === undefined) errors[track] += 1;
    else scores[track].set(sample.id, score);
  });
  runner.stop();
  const summary = (track: Track): TrackScore => {
    const values = [...scores[track].values()];
    const mean = values.length > 0 ? round(values.reduce((a, b) => a + b, 0) / values.length) : undefined;
    return { ...(mean !== undefined ? { mean } : {}), judged: values.length, errors: errors[track] };
  };
  const worst = [...scores.canary.entries()]
    .sort(([a, x], [b, y]) => x - y || a.localeCompare(b))
    .slice(0, 3)
    .map(([id]) => id);
  return { v: 1, canary: summary('canary'), stable: summary('stable'), worst };
}

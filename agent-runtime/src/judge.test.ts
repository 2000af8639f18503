import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../dev/runtime-harness.js';
import { judgeSchema } from './agent-config-file.js';
import { createJudge, type JudgeSample, parseScore, renderSample, sampleShare } from './judge.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';

function setup(judge: Partial<Parameters<typeof judgeSchema.parse>[0]> = {}, reply = '{"score":0.9}') {
  const metrics = createMetrics({
    labels: { agent: 'a', version: '1.0.0', track: 'canary' },
    breakerState: () => 0,
    inFlight: () => 0,
    judge: true,
    processMetrics: false,
  });
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  let clock = 0;
  const calls: string[] = [];
  let release: () => void = () => undefined;
  const gate = { held: false };
  const j = createJudge({
    config: {
      ...judgeSchema.parse({ model: 'judge', rubric: 'be right', sampleRate: 1, ...judge }),
      apiKey: 'k',
    },
    metrics,
    logger,
    now: () => clock,
    complete: async (_messages, requestId) => {
      calls.push(requestId);
      if (gate.held) await new Promise<void>((r) => (release = r));
      return reply;
    },
  });
  const text = () => metrics.registry.metrics();
  return { j, calls, lines, text, gate, release: () => release(), advance: (ms: number) => (clock += ms) };
}

const sample = (requestId: string): JudgeSample & { toolCalls: unknown[] } => ({
  requestId,
  messages: [{ role: 'user', content: 'secret question' }],
  output: 'an answer',
  model: 'm',
  toolCalls: [],
});
const value = (text: string, line: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(line))
      ?.split(' ')
      .at(-1),
  );
const settle = () => new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setTimeout(r, 5)));

describe('online judge', () => {
  it('returns from submit before the judge is called, then records score and verdict', async () => {
    const { j, calls, text } = setup({ passScore: 0.7 });
    j.submit(sample('r1'));
    expect(calls).toEqual([]);
    await settle();
    expect(calls).toEqual(['r1']);
    const t = await text();
    expect(value(t, 'agent_evals_total{verdict="pass"')).toBe(1);
    expect(value(t, 'agent_eval_score_bucket{le="0.9"')).toBe(1);
    expect(value(t, 'agent_eval_score_bucket{le="0.8"')).toBe(0);
  });

  it('counts a score under passScore as fail and an unreadable reply as error', async () => {
    const low = setup({ passScore: 0.95 });
    low.j.submit(sample('r1'));
    await settle();
    expect(value(await low.text(), 'agent_evals_total{verdict="fail"')).toBe(1);
    const bad = setup({}, 'I cannot judge this');
    bad.j.submit(sample('r1'));
    await settle();
    expect(value(await bad.text(), 'agent_evals_total{verdict="error"')).toBe(1);
  });

  it('samples by a hash of the request id, the same way every time', () => {
    expect(sampleShare('abc')).toBe(sampleShare('abc'));
    const ids = Array.from({ length: 2000 }, (_, i) => `req-${i}`);
    const share = ids.filter((id) => sampleShare(id) < 0.1).length / ids.length;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
  });

  it('drops samples over the per-minute budget and over the queue bound, and counts both', async () => {
    const budget = setup({ maxPerMinute: 2 });
    for (const id of ['a', 'b', 'c']) budget.j.submit(sample(id));
    expect(value(await budget.text(), 'agent_evals_dropped_total{reason="budget"')).toBe(1);
    budget.advance(30_000); // half a minute refills one call
    budget.j.submit(sample('d'));
    budget.j.submit(sample('e'));
    expect(value(await budget.text(), 'agent_evals_dropped_total{reason="budget"')).toBe(2);

    const queue = setup({ queueSize: 1, maxConcurrency: 1 });
    queue.gate.held = true;
    queue.j.submit(sample('a'));
    await settle(); // 'a' is with the judge; the queue is empty again
    queue.j.submit(sample('b'));
    queue.j.submit(sample('c'));
    expect(value(await queue.text(), 'agent_evals_dropped_total{reason="queue_full"')).toBe(1);
    expect(queue.j.pending).toBe(2);
    queue.release();
  });

  it('logs the judged text only at debug level, and the score at info', async () => {
    const { j, lines } = setup();
    j.submit(sample('r1'));
    await settle();
    const info = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'info');
    expect(info).toEqual([
      expect.objectContaining({ msg: 'eval', requestId: 'r1', score: 0.9, verdict: 'pass' }),
    ]);
    expect(JSON.stringify(info)).not.toContain('secret question');
    const debug = lines.map((l) => JSON.parse(l)).find((l) => l.level === 'debug');
    expect(debug).toMatchObject({ msg: 'eval text', output: 'an answer' });
  });

  it('reads the score from JSON, from JSON inside text, or a bare number; nothing outside 0..1', () => {
    expect(parseScore('{"score": 0.4, "reason": "meh"}')).toEqual({ score: 0.4, reason: 'meh' });
    expect(parseScore('Here: {"score": 1}')).toEqual({ score: 1 });
    expect(parseScore('0.75')).toEqual({ score: 0.75 });
    expect(parseScore('{"score": 7}')).toBeUndefined();
    expect(parseScore('no idea')).toBeUndefined();
    expect(renderSample(sample('x'))).toBe(
      'Conversation:\nuser: secret question\n\nAnswer to judge:\nan answer',
    );
  });
});

describe('online judge in the runtime, with the fake judge model', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('scores the answers of a worse model lower: agent_eval_score per track follows the answering model', async () => {
    const fake = {
      models: { good: {}, worse: {}, 'judge-model': { judge: { scores: { good: 0.9, worse: 0.2 } } } },
    };
    const agentFile = { judge: { model: 'judge-model', rubric: 'Answers the question.', sampleRate: 1 } };
    for (const [model, verdict] of [
      ['good', 'pass'],
      ['worse', 'fail'],
    ] as const) {
      h = await startHarness(fake, { MODEL_NAME: model }, { agentFile });
      for (let i = 0; i < 3; i++)
        expect((await h.invoke({ messages: [{ role: 'user', content: `q${i}` }] })).status).toBe(200);
      const harness = h;
      // The judge runs in a worker thread, which loads tsx first here: give it time to start.
      await expect
        .poll(() => harness.metric('agent_evals_total', `verdict="${verdict}"`), { timeout: 20_000 })
        .toBe(3);
      expect(await h.metric('agent_eval_score_count')).toBe(3);
      await h.close();
      h = undefined;
    }
  });
});

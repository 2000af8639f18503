// The evaluation Job's entry against a local fake upstream: two real runtimes (the canary and the stable
// version, differing only in their prompt) and a judge model that scores answers by the answering call's
// system prompt ('Be brief' 0.4, others 0.9), as the agent-gates test world does.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFakeConfig } from '../dev/fake-openai-config.js';
import { type FakeOpenAI, startFakeOpenAI } from '../dev/fake-openai-server.js';
import { loadConfig } from './config.js';
import { evaluateMain } from './evaluate.js';
import { parseDataset, runEvaluation } from './evaluate-core.js';
import { openAIComplete } from './judge-core.js';
import { createLogger } from './logger.js';
import { createRuntime } from './server.js';

const KEY = 'sk-test-evaluate-0123456789';
const WORSE_PROMPT = 'You are the orchestrator. Be brief.';
const dir = mkdtempSync(join(tmpdir(), 'evaluate-'));
const judge = { model: 'judge', rubric: 'Answers the question.', sampleRate: 0, maxConcurrency: 4 };

let fake: FakeOpenAI;
const runtimes: { url: string; close: () => Promise<void> }[] = [];

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function agentEnv(prompt: string, name: string): Record<string, string> {
  return {
    AGENT_NAME: 'orchestrator',
    AGENT_VERSION: '1.0.0',
    MODEL_NAME: 'good',
    MODEL_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: KEY,
    MODEL_MAX_RETRIES: '0',
    AGENT_CONFIG_FILE: file(`${name}.json`, JSON.stringify({ prompt, judge })),
  };
}

async function startRuntime(prompt: string, name: string): Promise<string> {
  const config = loadConfig({ ...agentEnv(prompt, name), HOST: '127.0.0.1', PORT: '0' });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const logger = createLogger({ level: 'silent', destination: quiet });
  const runtime = createRuntime(config, { logger, processMetrics: false });
  const url = await runtime.listen();
  runtimes.push({ url, close: async () => void (await runtime.shutdown(0)) });
  return url;
}

const dataset = Array.from({ length: 12 }, (_, i) =>
  JSON.stringify({ id: `q${i + 1}`, input: `secret question ${i + 1}`, expect: 'an answer' }),
).join('\n');

let brief: string;
let good: string;
let good2: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({
    config: parseFakeConfig({
      models: {
        good: {},
        judge: { judge: { promptRules: [{ match: 'Be brief', score: 0.4 }], default: 0.9 } },
      },
    }),
  });
  brief = await startRuntime(WORSE_PROMPT, 'brief');
  good = await startRuntime('You are the orchestrator.', 'good');
  good2 = await startRuntime('You are the orchestrator, version 2.', 'good2');
});

afterAll(async () => {
  for (const r of runtimes) await r.close();
  await fake?.close();
});

function mainEnv(canary: string, stable: string, extra: Record<string, string> = {}) {
  const log = join(dir, `termination-${Math.random().toString(36).slice(2)}`);
  const env = {
    ...agentEnv(WORSE_PROMPT, 'judge-file'),
    CANARY_URL: canary,
    STABLE_URL: stable,
    DATASET_FILE: file('dataset.jsonl', dataset),
    TERMINATION_LOG: log,
    LOG_LEVEL: 'silent',
    ...extra,
  };
  return { env, log };
}

describe('evaluate: the evaluation Job entry', () => {
  it('scores a canary whose prompt answers worse below stable and names its worst samples, exit 0', async () => {
    const { env, log } = mainEnv(brief, good);
    const outcome = await evaluateMain(env);
    expect(outcome.code).toBe(0);
    const written = readFileSync(log, 'utf8');
    const report = JSON.parse(written);
    expect(report).toEqual({
      v: 1,
      canary: { mean: 0.4, judged: 12, errors: 0 },
      stable: { mean: 0.9, judged: 12, errors: 0 },
      worst: ['q1', 'q10', 'q11'],
    });
    // Compact and free of request or answer text.
    expect(Buffer.byteLength(written)).toBeLessThan(4096);
    expect(written).not.toContain('secret question');
  });

  it('scores two healthy versions alike', async () => {
    const { env } = mainEnv(good2, good);
    const outcome = await evaluateMain(env);
    expect(outcome).toMatchObject({
      code: 0,
      report: { canary: { mean: 0.9, judged: 12 }, stable: { mean: 0.9, judged: 12 } },
    });
  });

  it('counts samples a version could not answer as errors, not as scores', async () => {
    const dead = 'http://127.0.0.1:9'; // nothing listens on the discard port
    const config = loadConfig({ ...agentEnv('p', 'direct') });
    const report = await runEvaluation({
      samples: parseDataset(dataset),
      urls: { canary: dead, stable: good },
      judge: config.judge as NonNullable<typeof config.judge>,
      complete: openAIComplete(config.judge as NonNullable<typeof config.judge>),
      invokeTimeoutMs: 2000,
    });
    expect(report.canary).toEqual({ judged: 0, errors: 12 });
    expect(report.stable).toMatchObject({ judged: 12, errors: 0 });
    expect(report.worst).toEqual([]);
  });

  it('writes an error report and exits 1 when a version never becomes ready', async () => {
    const { env, log } = mainEnv('http://127.0.0.1:9', good, { READY_TIMEOUT_SECONDS: '1' });
    const outcome = await evaluateMain(env);
    expect(outcome.code).toBe(1);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toEqual({
      v: 1,
      error: 'http://127.0.0.1:9 was not ready in time',
    });
  });

  it('writes an error naming spec.judge when the canary version has no judge', async () => {
    const { env, log } = mainEnv(brief, good, {
      AGENT_CONFIG_FILE: file('nojudge.json', JSON.stringify({ prompt: 'p' })),
    });
    const outcome = await evaluateMain(env);
    expect(outcome.code).toBe(1);
    expect(JSON.parse(readFileSync(log, 'utf8')).error).toContain('spec.judge');
  });
});

describe('parseDataset: JSON lines, named by line number and never quoted', () => {
  it.each([
    ['not JSON', '{"id":"a","input":"x"}\n{oops', 'dataset line 2: not JSON'],
    ['a sample without input', '{"id":"a"}', 'dataset line 1: input:'],
    ['an id with a line break', '{"id":"a\\nb","input":"x"}', 'dataset line 1: id:'],
    ['an id of 65 characters', JSON.stringify({ id: 'a'.repeat(65), input: 'x' }), 'dataset line 1: id:'],
    ['a duplicate id', '{"id":"a","input":"x"}\n{"id":"a","input":"y"}', 'dataset line 2: duplicate id'],
    ['unknown fields', '{"id":"a","input":"x","extra":1}', 'dataset line 1:'],
    ['no sample at all', '\n\n', 'dataset: no samples'],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseDataset(text)).toThrow(message);
  });

  it('reads samples with and without expect, skipping blank lines', () => {
    expect(parseDataset('{"id":"a","input":"x"}\n\n{"id":"b:2","input":"y","expect":"z"}\n')).toEqual([
      { id: 'a', input: 'x' },
      { id: 'b:2', input: 'y', expect: 'z' },
    ]);
  });
});

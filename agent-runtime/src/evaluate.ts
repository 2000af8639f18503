// Entry of a CanaryRelease `evaluation` Job (`node agent-runtime/dist/evaluate.js`): the same env and
// agent file as the canary's pods (the judge: spec.judge, its key and base URL resolved as theirs are),
// plus CANARY_URL, STABLE_URL and DATASET_FILE. Waits for both versions to be ready, replays the dataset
// (evaluate-core.ts), writes the report as JSON to the termination log and exits 0 — also when the canary
// scores worse: the operator judges. Without a result (bad config or dataset, a version never ready) it
// writes {"v":1,"error":"..."} and exits 1. Logs are pino JSON, without request or answer text.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { z } from 'zod';
import { ConfigError, loadConfig } from './config.js';
import { type EvaluationResult, parseDataset, runEvaluation, TRACKS } from './evaluate-core.js';
import { openAIComplete } from './judge-core.js';
import { createLogger } from './logger.js';

export const EVALUATE_ENV = {
  canaryUrl: 'CANARY_URL',
  stableUrl: 'STABLE_URL',
  datasetFile: 'DATASET_FILE',
  /** Where the report goes; the kubelet reads /dev/termination-log. */
  terminationLog: 'TERMINATION_LOG',
  /** How long to wait for both versions' /readyz. */
  readyTimeoutSeconds: 'READY_TIMEOUT_SECONDS',
} as const;

const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const evalEnv = z.object({
  [EVALUATE_ENV.canaryUrl]: url,
  [EVALUATE_ENV.stableUrl]: url,
  [EVALUATE_ENV.datasetFile]: z.string().min(1),
  [EVALUATE_ENV.terminationLog]: z.string().min(1).default('/dev/termination-log'),
  [EVALUATE_ENV.readyTimeoutSeconds]: z.coerce.number().positive().max(3600).default(120),
});

/** A one-line reason, cut so the error report stays small (the operator caps it at 512 characters). */
const short = (text: string) => text.replace(/\s+/g, ' ').slice(0, 480);

async function waitReady(base: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(new URL('/readyz', base), { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() >= deadline) throw new Error(`${base} was not ready in time`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export type EvaluateOutcome = { code: 0; report: EvaluationResult } | { code: 1; error: string };

/** The whole Job: config, dataset, readiness, replay, report. Returns the exit code it wrote a report for. */
export async function evaluateMain(env: NodeJS.ProcessEnv = process.env): Promise<EvaluateOutcome> {
  const logPath = env[EVALUATE_ENV.terminationLog]?.trim() || '/dev/termination-log';
  const write = (body: object) => writeFileSync(logPath, JSON.stringify(body));
  const log = createLogger({
    level: env.LOG_LEVEL?.trim() || 'info',
    secrets: [env.OPENAI_API_KEY, env.JUDGE_API_KEY, env.INVOKE_TOKEN].filter((s): s is string => !!s),
    base: { agent: env.AGENT_NAME, version: env.AGENT_VERSION, component: 'evaluate' },
    // Synchronous: the process exits right after the last line.
    destination: pino.destination({ dest: 1, sync: true }),
  });
  try {
    const parsed = evalEnv.safeParse(env);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new Error(`${i?.path.join('.')}: ${i?.message}`);
    }
    const e = parsed.data;
    const config = loadConfig(env);
    if (!config.judge)
      throw new Error(
        'the canary AgentVersion has no spec.judge (the judge model and rubric score the answers)',
      );
    const samples = parseDataset(readFileSync(e[EVALUATE_ENV.datasetFile], 'utf8'));
    const urls = { canary: e[EVALUATE_ENV.canaryUrl], stable: e[EVALUATE_ENV.stableUrl] };
    const deadline = Date.now() + e[EVALUATE_ENV.readyTimeoutSeconds] * 1000;
    await Promise.all(TRACKS.map((t) => waitReady(urls[t], deadline)));
    log.info({ samples: samples.length, judge: config.judge.model }, 'evaluation started');
    const started = Date.now();
    const report = await runEvaluation({
      samples,
      urls,
      judge: config.judge,
      complete: openAIComplete(config.judge),
      invokeToken: config.server.invokeToken,
      invokeTimeoutMs: config.model.timeoutMs * 2,
    });
    write(report);
    log.info({ ...report, durationMs: Date.now() - started }, 'evaluation finished');
    return { code: 0, report };
  } catch (err) {
    const error = short(err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message);
    log.error({ err: error }, 'evaluation failed');
    try {
      write({ v: 1, error });
    } catch {
      // nowhere to report; the exit code says it
    }
    return { code: 1, error };
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void evaluateMain().then((o) => process.exit(o.code));
}

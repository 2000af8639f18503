// The online judge: a sampled share of answered requests is scored by a judge model against the version's
// rubric, off the request path. `submit`, called after the answer has been sent, only hashes the request id
// and, when sampled and within the budget and the queue bound, hands the pair to a worker thread, whose
// own event loop makes the judge calls (judge-worker.ts); samples over the budget (`maxPerMinute`) or over
// `queueSize` waiting are dropped and counted, never waited for. Results come back as messages: scores
// go to agent_eval_score / agent_evals_total; no text goes to metrics, and the judged text is logged only
// at debug level.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import {
  createJudgeRunner,
  type JudgeComplete,
  type JudgeResult,
  type JudgeSample,
  type ResolvedJudgeConfig,
  sampleShare,
} from './judge-core.js';
import type { RuntimeMetrics } from './metrics.js';

export type { JudgeSample } from './judge-core.js';
export { parseScore, renderSample, sampleShare } from './judge-core.js';

export interface JudgeOptions {
  config: ResolvedJudgeConfig;
  metrics: RuntimeMetrics;
  logger: Logger;
  /** Clock for the budget (tests). */
  now?: () => number;
  /** Replaces the model call and runs it on this thread (tests). */
  complete?: JudgeComplete;
}

interface Executor {
  send(sample: JudgeSample & { seq: number }): void;
  stop(): void;
}

/** The worker thread (compiled .js in the image; the .ts source through tsx in development and tests). */
function workerExecutor(
  config: ResolvedJudgeConfig,
  onResult: (r: JudgeResult) => void,
  logger: Logger,
): Executor {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(ts ? './judge-worker.ts' : './judge-worker.js', import.meta.url);
  // From TypeScript sources (development, tests), the worker loads tsx before its entry.
  const worker = ts
    ? new Worker(
        `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
        { eval: true, workerData: config },
      )
    : new Worker(entry, { workerData: config });
  worker.unref();
  worker.on('message', onResult);
  worker.on('error', (err) =>
    logger.error({ err: err.message }, 'judge worker failed; no more answers are judged'),
  );
  return {
    send: (sample) => worker.postMessage(sample),
    stop: () => {
      worker.postMessage({ stop: true });
      void worker.terminate();
    },
  };
}

/** Judging on this thread, after the current turn of the event loop (tests inject the model call). */
function inProcessExecutor(
  config: ResolvedJudgeConfig,
  complete: JudgeComplete,
  onResult: (r: JudgeResult) => void,
): Executor {
  const runner = createJudgeRunner(config, complete, onResult);
  return { send: (sample) => setImmediate(() => runner.push(sample)), stop: () => runner.stop() };
}

export function createJudge(opts: JudgeOptions) {
  const { config, metrics, logger } = opts;
  const now = opts.now ?? Date.now;
  /** Samples handed to the executor and not answered yet, by sequence number. */
  const outstanding = new Map<number, JudgeSample>();
  let seq = 0;
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

  function onResult(r: JudgeResult): void {
    const sample = outstanding.get(r.seq);
    outstanding.delete(r.seq);
    if (!sample || stopped) return;
    metrics.evaluated(r.verdict, r.score);
    const base = { requestId: sample.requestId, judge: config.model, servedModel: sample.model };
    if (r.verdict === 'error') {
      logger.warn({ ...base, err: r.error }, 'judge call failed');
      return;
    }
    logger.info({ ...base, score: r.score, verdict: r.verdict }, 'eval');
    logger.debug(
      { requestId: sample.requestId, messages: sample.messages, output: sample.output, reason: r.reason },
      'eval text',
    );
  }

  const executor = opts.complete
    ? inProcessExecutor(config, opts.complete, onResult)
    : workerExecutor(config, onResult, logger);

  return {
    /** Offers one answered request; returns at once whatever happens to it. */
    submit(sample: JudgeSample & { toolCalls: unknown[] }): void {
      if (stopped || sample.toolCalls.length > 0 || sampleShare(sample.requestId) >= config.sampleRate)
        return;
      if (outstanding.size >= config.queueSize + config.maxConcurrency) {
        metrics.evalDropped('queue_full');
        return;
      }
      if (!takeBudget()) {
        metrics.evalDropped('budget');
        return;
      }
      seq += 1;
      const judged = {
        requestId: sample.requestId,
        messages: sample.messages,
        output: sample.output,
        model: sample.model,
      };
      outstanding.set(seq, judged);
      executor.send({ ...judged, seq });
    },

    /** Samples queued or being judged. */
    get pending(): number {
      return outstanding.size;
    },

    /** Stops judging: queued samples are dropped, calls in flight abandoned (at shutdown). */
    stop(): void {
      stopped = true;
      outstanding.clear();
      executor.stop();
    },
  };
}

export type Judge = ReturnType<typeof createJudge>;

// The judge's worker thread: its own event loop makes the judge calls (request building, the HTTP call,
// parsing), so none of that work runs between the caller's requests on the runtime's event loop. It
// receives samples, and posts back one result per sample (judge.ts counts and logs them).
import { parentPort, workerData } from 'node:worker_threads';
import {
  createJudgeRunner,
  type JudgeSample,
  openAIComplete,
  type ResolvedJudgeConfig,
} from './judge-core.js';

const config = workerData as ResolvedJudgeConfig;
const port = parentPort;
if (port) {
  const runner = createJudgeRunner(config, openAIComplete(config), (r) => port.postMessage(r));
  port.on('message', (msg: { stop: true } | (JudgeSample & { seq: number })) => {
    if ('stop' in msg) {
      runner.stop();
      port.close();
      return;
    }
    runner.push(msg);
  });
}

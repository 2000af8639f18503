// In-process harness for the runtime's unit tests: a fake upstream plus a runtime wired to it on loopback
// ports, with logs captured in memory.
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createRuntime } from '../src/server.js';
import { type FakeConfigInput, parseFakeConfig } from './fake-openai-config.js';
import { startFakeOpenAI } from './fake-openai-server.js';

export const TEST_API_KEY = 'sk-test-harness-0123456789';

export async function startHarness(fakeConfig: FakeConfigInput, env: Record<string, string> = {}) {
  const fake = await startFakeOpenAI({ config: parseFakeConfig(fakeConfig) });
  const config = loadConfig({
    AGENT_NAME: 'orchestrator',
    AGENT_VERSION: '1.0.0',
    AGENT_TRACK: 'stable',
    MODEL_NAME: 'good',
    MODEL_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: TEST_API_KEY,
    MODEL_MAX_RETRIES: '0',
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: config.log.level, secrets: [config.model.apiKey], destination });
  const runtime = createRuntime(config, { logger, processMetrics: false });
  const url = await runtime.listen();

  const invoke = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** Value of one metric sample whose line contains all `parts`. */
  const metric = async (name: string, ...parts: string[]): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && parts.every((p) => l.includes(p)));
    if (!line) throw new Error(`no sample ${name} ${parts.join(' ')}`);
    return Number(line.split(' ').at(-1));
  };

  return {
    url,
    fake,
    runtime,
    config,
    logs,
    invoke,
    metric,
    async close() {
      await runtime.shutdown(0);
      await fake.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export const hello = { messages: [{ role: 'user', content: 'hello' }] };

// In-process harness for the runtime's unit tests: a fake upstream (and, when asked, a fake tool server)
// plus a runtime wired to them on loopback ports, with logs captured in memory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createRuntime, type RuntimeOptions } from '../src/server.js';
import { type FakeConfigInput, parseFakeConfig } from './fake-openai-config.js';
import { startFakeOpenAI } from './fake-openai-server.js';
import { type FakeToolsConfigInput, parseFakeToolsConfig } from './fake-tools-config.js';
import { type FakeTools, startFakeTools } from './fake-tools-server.js';

export const TEST_API_KEY = 'sk-test-harness-0123456789';

export interface HarnessOptions {
  /** Start a fake tool server with this config. */
  tools?: FakeToolsConfigInput;
  /** The agent file (written to a temporary file as JSON); a function gets the tool server's URLs. */
  agentFile?: Record<string, unknown> | ((tools: FakeTools | undefined) => Record<string, unknown>);
  judgeComplete?: RuntimeOptions['judgeComplete'];
}

export async function startHarness(
  fakeConfig: FakeConfigInput,
  env: Record<string, string> = {},
  opts: HarnessOptions = {},
) {
  const fake = await startFakeOpenAI({ config: parseFakeConfig(fakeConfig) });
  const tools = opts.tools ? await startFakeTools({ config: parseFakeToolsConfig(opts.tools) }) : undefined;
  if (opts.agentFile) {
    const file = join(mkdtempSync(join(tmpdir(), 'rt-harness-')), 'agent.json');
    const content = typeof opts.agentFile === 'function' ? opts.agentFile(tools) : opts.agentFile;
    writeFileSync(file, JSON.stringify(content));
    env = { AGENT_CONFIG_FILE: file, ...env };
  }
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
  const runtime = createRuntime(config, {
    logger,
    processMetrics: false,
    ...(opts.judgeComplete ? { judgeComplete: opts.judgeComplete } : {}),
  });
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
    tools,
    runtime,
    config,
    logs,
    invoke,
    metric,
    async close() {
      await runtime.shutdown(0);
      await fake.close();
      await tools?.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export const hello = { messages: [{ role: 'user', content: 'hello' }] };

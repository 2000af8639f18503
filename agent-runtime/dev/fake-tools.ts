// CLI: npx tsx agent-runtime/dev/fake-tools.ts [--port 0] [--host 127.0.0.1] [--config file.yaml] [--seed 1]
// In the dev-tools image: node agent-runtime/dist-dev/dev/fake-tools.js
// Env fallbacks: PORT, HOST, FAKE_TOOLS_CONFIG (a file path, or inline JSON starting with "{"),
// FAKE_TOOLS_SEED. Prints one JSON line with the URLs once it listens; stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { loadFakeToolsConfig } from './fake-tools-config.js';
import { startFakeTools } from './fake-tools-server.js';

function fail(message: string): never {
  process.stderr.write(`fake-tools: ${message}\n`);
  process.exit(2);
}

function integer(name: string, value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

let values: { port?: string; host?: string; config?: string; seed?: string } = {};
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      config: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}
let config: ReturnType<typeof loadFakeToolsConfig>;
try {
  config = loadFakeToolsConfig(values.config ?? process.env.FAKE_TOOLS_CONFIG);
} catch (err) {
  fail((err as Error).message);
}
const seed = integer('--seed / FAKE_TOOLS_SEED', values.seed ?? process.env.FAKE_TOOLS_SEED, config.seed);
const port = integer('--port / PORT', values.port ?? process.env.PORT, 0);
const fake = await startFakeTools({
  config: { ...config, seed },
  port,
  host: values.host ?? process.env.HOST ?? '127.0.0.1',
});
process.stdout.write(
  `${JSON.stringify({ level: 'info', msg: 'listening', url: fake.url, mcp: fake.mcpURL, tools: Object.keys(config.tools) })}\n`,
);
const stop = () => void fake.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

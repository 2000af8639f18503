// Entry point: validate the configuration (exit 1 before listening when it is bad), serve, and drain on
// SIGTERM/SIGINT. Logs are pino JSON on stdout; the "listening" line carries the URL.
import { pino } from 'pino';
import { ConfigError, loadConfig, type RuntimeConfig } from './config.js';
import { createLogger } from './logger.js';
import { createRuntime } from './server.js';

function configOrExit(): RuntimeConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems : [String(err)];
    const log = pino(
      { base: {}, formatters: { level: (label) => ({ level: label }) } },
      pino.destination({ sync: true }),
    );
    log.fatal({ problems }, `agent-runtime: invalid configuration: ${problems.join('; ')}`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger({
    level: config.log.level,
    secrets: [config.model.apiKey, config.server.invokeToken, config.judge?.apiKey].filter(
      (s): s is string => !!s,
    ),
    base: { agent: config.agent.name, version: config.agent.version, track: config.agent.track },
  });
  const runtime = createRuntime(config, { logger });
  const url = await runtime.listen();
  logger.info(
    {
      url,
      ...(runtime.shadowUrl ? { shadowUrl: runtime.shadowUrl } : {}),
      model: config.model.name,
      baseURL: config.model.baseURL ?? null,
      maxConcurrency: config.server.maxConcurrency,
      breaker: config.breaker,
      priced: config.model.price !== undefined,
    },
    'listening',
  );
  if (!config.model.price) {
    logger.warn({ model: config.model.name }, 'no price known for the model; agent_cost_usd_total stays 0');
  }

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, inFlight: runtime.limiter.inFlight }, 'draining');
    const abandoned = await runtime.shutdown();
    logger.info({ abandoned }, 'stopped');
    logger.flush(() => process.exit(abandoned === 0 ? 0 : 1));
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

main().catch((err: unknown) => {
  process.stderr.write(`agent-runtime: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

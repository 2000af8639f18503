// Operator entry point: configuration → Manager → controllers → run until SIGTERM/SIGINT.
// Controllers are registered in `registerControllers` (the AgentArmy controller plugs in there).
import { ConfigError, loadConfig } from './config.js';
import { agentArmyController } from './controllers/agent-army/controller.js';
import { agentVersionController } from './controllers/agent-version/controller.js';
import { canaryReleaseController } from './controllers/canary-release/controller.js';
import { type ControllerSpec, Manager } from './kube/index.js';

/** Builds the controllers this operator runs. Each one gets the manager for informers, client and events. */
export type ControllerFactory = (mgr: Manager) => ControllerSpec;

export const controllerFactories: ControllerFactory[] = [
  agentArmyController,
  agentVersionController,
  canaryReleaseController,
];

export function registerControllers(
  mgr: Manager,
  factories: ControllerFactory[] = controllerFactories,
): void {
  for (const make of factories) mgr.addController(make(mgr));
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const mgr = new Manager({ config });
  registerControllers(mgr);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    mgr.log.info({ signal }, 'received signal');
    // A hard limit in case a reconcile ignores its abort signal.
    setTimeout(() => {
      mgr.log.error('graceful shutdown timed out');
      process.exit(1);
    }, 30_000).unref();
    mgr.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        mgr.log.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await mgr.start();
  mgr.log.info(
    { namespaces: config.namespaces.length ? config.namespaces : 'all', leaderElect: config.leaderElect },
    'operator started',
  );
}

await main();

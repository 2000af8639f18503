// `kubectl agentarmy dashboard`: watches the cluster with the user's kubeconfig and serves the pages on
// 127.0.0.1 until interrupted.
import { pino } from 'pino';
import { createLogger } from '../../observability/logger.js';
import { clientFor } from '../client.js';
import type { DashboardArgs } from './args.js';
import { ClusterState } from './cluster-state.js';
import { newToken } from './guards.js';
import { DashboardServer } from './server.js';

export interface RunningDashboard {
  url: string;
  /** The namespace shown, or "all namespaces". */
  scope: string;
  problems: string[];
  close(): Promise<void>;
}

/** Starts the watches and the server; resolves once both are up (the first lists may have failed). */
export async function startDashboard(args: DashboardArgs): Promise<RunningDashboard> {
  const { client, namespace, context } = clientFor(args);
  // JSON log lines on stderr, warnings and errors only: stdout is for the address.
  const log = createLogger({
    name: 'kubectl-agentarmy-dashboard',
    level: 'warn',
    destination: pino.destination(2),
  });
  const namespaces = args.allNamespaces ? undefined : [namespace];
  const scope = args.allNamespaces ? 'all namespaces' : namespace;
  const state = new ClusterState({ client, namespaces, log });
  await state.start();
  const server = new DashboardServer({
    state,
    client,
    log,
    scope,
    token: newToken(),
    now: () => new Date(),
    prometheus: args.prometheus,
  });
  const url = await server.listen(args.port);
  log.info({ url, context, scope }, 'dashboard listening');
  return {
    url,
    scope,
    problems: state.problems,
    async close() {
      await server.close();
      await state.stop();
      client.close();
    },
  };
}

/** Runs until SIGINT or SIGTERM; exit code 0. */
export async function runDashboard(args: DashboardArgs): Promise<number> {
  const dashboard = await startDashboard(args);
  const where = dashboard.scope === 'all namespaces' ? dashboard.scope : `namespace ${dashboard.scope}`;
  process.stdout.write(`agent-army dashboard on ${dashboard.url} (${where}); Ctrl-C stops it\n`);
  for (const p of dashboard.problems) process.stdout.write(`warning: ${p}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
  return 0;
}

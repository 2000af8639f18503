// Command line of `kubectl agentarmy dashboard`. Pure parsing, tested with tables.
import { z } from 'zod';
import { UsageError } from '../args.js';

export const DASHBOARD_USAGE = `usage: kubectl agentarmy dashboard [--port 3100] [-n NS | -A] [--prometheus URL] [--kubeconfig FILE]

Serves a dashboard of armies and releases on http://127.0.0.1:PORT/ (this machine only). It talks to the
cluster with your kubeconfig, so it shows and does exactly what your RBAC allows.

flags:
  --port PORT          local port (default 3100; 0 picks a free one)
  -n, --namespace NS   namespace (default: the kubeconfig context's, else "default")
  -A, --all-namespaces every namespace you may list
  --prometheus URL     a Prometheus reachable from this machine: charts add the live series by track
  --kubeconfig FILE    kubeconfig (default: $KUBECONFIG or ~/.kube/config)`;

export const DashboardArgs = z.object({
  port: z.int().min(0).max(65535),
  namespace: z.string().min(1).optional(),
  allNamespaces: z.boolean(),
  prometheus: z.url({ protocol: /^https?$/ }).optional(),
  kubeconfig: z.string().min(1).optional(),
});
export type DashboardArgs = z.infer<typeof DashboardArgs>;

/** Parses the flags after `dashboard`. Throws UsageError naming the flag at fault. */
export function parseDashboardArgs(argv: string[]): DashboardArgs {
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const takeValue = (flag: string) => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (a === '-n' || a === '--namespace' || a.startsWith('--namespace=')) {
      flags.namespace = takeValue('--namespace');
    } else if (a === '--port' || a.startsWith('--port=')) flags.port = takeValue('--port');
    else if (a === '--prometheus' || a.startsWith('--prometheus='))
      flags.prometheus = takeValue('--prometheus');
    else if (a === '--kubeconfig' || a.startsWith('--kubeconfig='))
      flags.kubeconfig = takeValue('--kubeconfig');
    else if (a === '-A' || a === '--all-namespaces') flags.all = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown flag ${a}`);
    else throw new UsageError(`unexpected argument "${a}" (dashboard takes no name)`);
  }
  if (flags.all && flags.namespace !== undefined) {
    throw new UsageError('--namespace and --all-namespaces exclude each other');
  }
  const port = flags.port === undefined ? 3100 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port takes a port number 0–65535, not "${String(flags.port)}"`);
  }
  const prometheus = typeof flags.prometheus === 'string' ? flags.prometheus.replace(/\/+$/, '') : undefined;
  if (prometheus !== undefined && !DashboardArgs.shape.prometheus.safeParse(prometheus).success) {
    throw new UsageError(
      `--prometheus takes an http(s) URL such as http://127.0.0.1:9090, not "${prometheus}"`,
    );
  }
  return DashboardArgs.parse({
    port,
    namespace: flags.namespace,
    allNamespaces: flags.all === true,
    prometheus,
    kubeconfig: flags.kubeconfig,
  });
}

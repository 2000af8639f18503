// Helpers of the chart tests: the cached helm against the test cluster, rendering with values, and a
// kubeconfig that authenticates as a ServiceAccount only (a bearer token from the TokenRequest API).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import {
  binary,
  type CommandResult,
  kubeConfig,
  kubeconfigPath,
  kubectlOk,
  repoRoot,
  run,
} from '../support/cluster.js';

export const chartDir = join(repoRoot, 'charts/agent-army');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** Runs the cached helm against the test cluster; never throws (check `code`). */
export function helm(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return run(binary('helm'), ['--kubeconfig', kubeconfigPath, ...args], {
    ...opts,
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

export async function helmOk(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const r = await helm(args, opts);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `helm template` with `values` (as a values file on stdin); the raw result, for failure tests. */
export function template(
  values: Record<string, unknown>,
  opts: { namespace?: string; release?: string; extra?: string[] } = {},
): Promise<CommandResult> {
  return helm(
    [
      'template',
      opts.release ?? 'agent-army',
      chartDir,
      '--namespace',
      opts.namespace ?? 'agent-army-system',
      '--values',
      '-',
      ...(opts.extra ?? []),
    ],
    { input: JSON.stringify(values) },
  );
}

/** Renders the chart and parses every document (empty documents dropped). */
export async function render(
  values: Record<string, unknown> = {},
  opts: { namespace?: string; release?: string } = {},
): Promise<K8sObject[]> {
  const r = await template(values, opts);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

export function findObject(objs: K8sObject[], kind: string, namespace?: string): K8sObject {
  const found = objs.find(
    (o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (!found) throw new Error(`no ${kind}${namespace ? ` in ${namespace}` : ''} rendered`);
  return found;
}

/**
 * Writes a kubeconfig that authenticates only with a fresh token of ServiceAccount `sa` (no client
 * certificate), pointing at the test cluster's server and CA. Returns its path.
 */
export async function serviceAccountKubeconfig(namespace: string, sa: string): Promise<string> {
  const token = (await kubectlOk(['create', 'token', sa, '-n', namespace, '--duration=1h'])).trim();
  const cluster = kubeConfig().getCurrentCluster();
  if (!cluster) throw new Error(`no current cluster in ${kubeconfigPath}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'test',
        cluster: {
          server: cluster.server,
          ...(cluster.caFile ? { 'certificate-authority': cluster.caFile } : {}),
          ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
        },
      },
    ],
    users: [{ name: sa, user: { token } }],
    contexts: [{ name: sa, context: { cluster: 'test', user: sa, namespace } }],
    'current-context': sa,
  };
  const dir = mkdtempSync(join(tmpdir(), 'agent-army-sa-'));
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}

/** `kubectl auth can-i` with an explicit kubeconfig; true for "yes". */
export async function canI(kubeconfig: string, args: string[]): Promise<boolean> {
  const r = await run(binary('kubectl'), ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args]);
  const answer = r.stdout.trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`can-i ${args.join(' ')}: ${r.stderr.trim()}`);
  return answer === 'yes';
}

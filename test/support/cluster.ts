// Where the local test cluster lives and how tests reach it. The cluster itself is started by
// test/cluster/global-setup.ts (once per integration run) through test/cluster/cluster.sh.
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';

const execFileAsync = promisify(execFile);

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const clusterName = process.env.CLUSTER_NAME ?? 'agent-army';
export const clusterDir = process.env.CLUSTER_DIR ?? join(repoRoot, '.cluster', clusterName);
export const kubeconfigPath = join(clusterDir, 'kubeconfig');
export const cacheDir =
  process.env.AGENT_ARMY_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'agent-army');
export const binDir = join(cacheDir, 'bin', 'links');

/** Path of a cached cluster binary by plain name: kubectl, helm, kwokctl, kube-apiserver, … */
export function binary(name: string): string {
  return join(binDir, name);
}

/** A KubeConfig for the test cluster. */
export function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a command; never throws on a non-zero exit (the result carries the code). */
export async function run(
  file: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const child = execFileAsync(file, args, {
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (opts.input !== undefined) {
    child.child.stdin?.end(opts.input);
  }
  try {
    const { stdout, stderr } = await child;
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string };
    return {
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(err),
      code: typeof e.code === 'number' ? e.code : 1,
    };
  }
}

/** Runs the cached kubectl (v1.37, same as the server) against the test cluster. */
export function kubectl(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return run(binary('kubectl'), ['--kubeconfig', kubeconfigPath, ...args], opts);
}

/** Like kubectl(), but throws with stderr when the command fails. */
export async function kubectlOk(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `kubectl apply -f -` of a manifest: YAML text, or an object to serialize. */
export function applyManifest(doc: unknown): Promise<string> {
  return kubectlOk(['apply', '-f', '-'], { input: typeof doc === 'string' ? doc : stringify(doc) });
}

/** `kubectl get WHAT -n NAMESPACE -o json`, parsed; undefined when the object does not exist. */
export async function getObject<T>(namespace: string, what: string): Promise<T | undefined> {
  const r = await kubectl(['get', what, '-n', namespace, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
}

/** Polls `check` until it returns a non-undefined value, or fails with the last seen state. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** A namespace name unique to one test file run. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Deletes namespaces after clearing the operator's finalizers (in-use on AgentVersions, restore-route on
 * CanaryReleases): with no operator running (a test or demo that stopped it), nothing else would ever
 * remove them.
 */
export async function deleteNamespaces(names: string[], opts: { wait?: boolean; timeoutMs?: number } = {}) {
  for (const ns of names) {
    const held = await kubectl(['get', 'agentversions,canaryreleases', '-n', ns, '-o', 'name']);
    for (const obj of held.stdout.split('\n').filter(Boolean)) {
      await kubectl(['patch', obj, '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
  }
  const wait = opts.wait ?? false;
  await kubectl(
    [
      'delete',
      'namespace',
      ...names,
      '--ignore-not-found',
      `--wait=${wait}`,
      ...(wait ? ['--timeout=120s'] : []),
    ],
    { timeoutMs: opts.timeoutMs ?? 130_000 },
  );
}

// How the operator reaches the API server: the server URL plus the TLS material and Authorization header
// of each request. The common cases — the in-cluster ServiceAccount, and a kubeconfig whose user has a
// client certificate or a bearer token — are read here directly. Anything else (exec and auth-provider
// plugins, proxies, several kubeconfig files) loads @kubernetes/client-node's KubeConfig on first use.
// Why: loading client-node costs ~74 MiB of RSS (its generated API models), more than the rest of the
// operator at idle, and an operator in a cluster never needs it.
import { readFileSync, statSync } from 'node:fs';
import type https from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

export interface KubeAccess {
  /** Adds TLS options and the Authorization header to `options`; returns the API server URL. */
  prepare(options: https.RequestOptions): Promise<string>;
  /** Which loader serves requests, for logs: "in-cluster", "kubeconfig" or "client-node". */
  readonly kind: string;
}

/** The subset of client-node's KubeConfig that KubeClient needs (KubeConfig satisfies it). */
export interface KubeConfigLike {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

export function fromKubeConfig(kc: KubeConfigLike): KubeAccess {
  return {
    kind: 'client-node',
    async prepare(options) {
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error('kubeconfig has no current cluster');
      await kc.applyToHTTPSOptions(options);
      return cluster.server;
    },
  };
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A token file re-read when it changes (kubelet rotates projected ServiceAccount tokens). */
function tokenFile(path: string): () => string {
  let cached = '';
  let mtime = -1;
  return () => {
    const m = statSync(path).mtimeMs;
    if (m !== mtime) {
      cached = readFileSync(path, 'utf8').trim();
      mtime = m;
    }
    return cached;
  };
}

interface Static {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  insecure?: boolean;
  token?: () => string;
}

function staticAccess(kind: string, s: Static): KubeAccess {
  return {
    kind,
    async prepare(options) {
      if (s.ca) options.ca = s.ca;
      if (s.cert) options.cert = s.cert;
      if (s.key) options.key = s.key;
      if (s.servername) options.servername = s.servername;
      if (s.insecure) options.rejectUnauthorized = false;
      const token = s.token?.();
      if (token) options.headers = { ...options.headers, Authorization: `Bearer ${token}` };
      return s.server;
    },
  };
}

export function inClusterAccess(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return staticAccess('in-cluster', {
    server,
    ca: readFileSync(join(dir, 'ca.crt')),
    token: tokenFile(join(dir, 'token')),
  });
}

type Named<T> = { name: string } & T;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
}

/** Keys this loader understands; any other key of the cluster or user means "let client-node do it". */
const CLUSTER_KEYS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);
const USER_KEYS = new Set([
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'token',
  'tokenFile',
  'extensions',
]);

/** The kubeconfig's current context as a KubeAccess, or undefined when it needs client-node. */
export function kubeconfigAccess(path: string): KubeAccess | undefined {
  const file = parse(readFileSync(path, 'utf8')) as KubeconfigFile | null;
  const ctxName = file?.['current-context'];
  const ctx = file?.contexts?.find((c) => c.name === ctxName)?.context;
  const cluster = file?.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = file?.users?.find((u) => u.name === ctx?.user)?.user ?? {};
  if (!ctx || !cluster || typeof cluster.server !== 'string') return undefined;
  if (Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k))) return undefined;
  if (Object.keys(user).some((k) => !USER_KEYS.has(k))) return undefined;
  const base = dirname(path);
  const material = (data: unknown, file: unknown): Buffer | undefined => {
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    if (typeof file === 'string') return readFileSync(isAbsolute(file) ? file : join(base, file));
    return undefined;
  };
  const token =
    typeof user.token === 'string'
      ? () => user.token as string
      : typeof user.tokenFile === 'string'
        ? tokenFile(isAbsolute(user.tokenFile) ? user.tokenFile : join(base, user.tokenFile))
        : undefined;
  return staticAccess('kubeconfig', {
    server: cluster.server,
    ca: material(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: material(user['client-certificate-data'], user['client-certificate']),
    key: material(user['client-key-data'], user['client-key']),
    ...(typeof cluster['tls-server-name'] === 'string' ? { servername: cluster['tls-server-name'] } : {}),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...(token ? { token } : {}),
  });
}

/** client-node's KubeConfig, imported on first use. */
function clientNodeAccess(load: (kc: import('@kubernetes/client-node').KubeConfig) => void): KubeAccess {
  let access: Promise<KubeAccess> | undefined;
  return {
    kind: 'client-node',
    prepare(options) {
      access ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
        const kc = new KubeConfig();
        load(kc);
        return fromKubeConfig(kc);
      });
      return access.then((a) => a.prepare(options));
    },
  };
}

/** --kubeconfig/KUBECONFIG, else the in-cluster ServiceAccount, else ~/.kube/config (as client-go orders them). */
export function createKubeAccess(kubeconfig: string | undefined, env: NodeJS.ProcessEnv): KubeAccess {
  const path = kubeconfig ?? env.KUBECONFIG;
  if (path && !path.includes(':'))
    return kubeconfigAccess(path) ?? clientNodeAccess((kc) => kc.loadFromFile(path));
  if (path) return clientNodeAccess((kc) => kc.loadFromDefault());
  if (env.KUBERNETES_SERVICE_HOST) return inClusterAccess(env);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  return kubeconfigAccess(home) ?? clientNodeAccess((kc) => kc.loadFromFile(home));
}

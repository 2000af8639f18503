// A real Argo CD next to the test cluster: Redis (Debian's redis-server), argocd-repo-server and
// argocd-application-controller (the binary test/cluster/build-binaries.sh builds) run as processes on free
// ports, logging to files under the cluster directory. In the cluster, what a user installs: Argo CD's
// CRDs, argocd-cm (with this project's health checks, read from charts/agent-army/argocd/), argocd-rbac-cm,
// argocd-cmd-params-cm, argocd-secret, an AppProject and the Secret registering the test cluster (an
// out-of-cluster controller cannot use https://kubernetes.default.svc). Each component gets the env its
// official workload manifest would give it from those ConfigMaps. Git is a local repository (git-repo.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  applyManifest,
  binary,
  binDir,
  cacheDir,
  clusterDir,
  eventually,
  kubeConfig,
  kubeconfigPath,
  kubectl,
  kubectlOk,
  repoRoot,
} from '../support/cluster.js';
import { freePort } from '../support/processes.js';
import { type GitRepo, startGitRepo } from './git-repo.js';
import { type LoggedProcess, spawnLogged, waitUntilReady } from './logged-process.js';
import { healthScript } from './lua.js';

const versions = readFileSync(join(repoRoot, 'test/cluster/versions.sh'), 'utf8');
export const argocdVersion = versions.match(/ARGOCD_VERSION:-(v[0-9.]+)/)?.[1] ?? '';
/** What build-binaries.sh keeps beside the binary: hack/ wrappers, crds/, the workloads' manifests/. */
export const argocdHome = join(cacheDir, `argocd-${argocdVersion}`);

type Data = Record<string, string>;

/** argocd-cm as a user would write it: the three health checks of this project, and a short resync. */
export function argocdCm(reconciliation: string): Data {
  const data: Data = {
    'timeout.reconciliation': reconciliation,
    'timeout.reconciliation.jitter': '0s',
  };
  for (const kind of ['AgentArmy', 'AgentVersion', 'CanaryRelease'])
    data[`resource.customizations.health.agentarmy.dev_${kind}`] = readFileSync(healthScript(kind), 'utf8');
  return data;
}

/** The container env of an Argo CD workload manifest, with ConfigMap references resolved from `cms`. */
export function manifestEnv(file: string, cms: Record<string, Data>): Data {
  type EnvVar = {
    name: string;
    value?: string;
    valueFrom?: { configMapKeyRef?: { name: string; key: string } };
  };
  const doc = parse(readFileSync(file, 'utf8')) as {
    spec: { template: { spec: { containers: { env?: EnvVar[] }[] } } };
  };
  const env: Data = {};
  for (const e of doc.spec.template.spec.containers[0]?.env ?? []) {
    const ref = e.valueFrom?.configMapKeyRef;
    const value = e.value ?? (ref ? cms[ref.name]?.[ref.key] : undefined);
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

function healthz(port: number): () => Promise<boolean> {
  return async () =>
    (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
}

/** The destination the test cluster is registered as, and the Secret that registers it. */
function clusterSecret(namespace: string): { server: string; secret: unknown } {
  const kc = kubeConfig();
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error(`${kubeconfigPath}: no current cluster/user`);
  const b64 = (data: string | undefined, file: string | undefined) =>
    data ?? (file ? readFileSync(file).toString('base64') : undefined);
  const tlsClientConfig = {
    caData: b64(cluster.caData, cluster.caFile),
    certData: b64(user.certData, user.certFile),
    keyData: b64(user.keyData, user.keyFile),
  };
  return {
    server: cluster.server,
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'test-cluster',
        namespace,
        labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
      },
      stringData: {
        name: 'test-cluster',
        server: cluster.server,
        config: JSON.stringify({ tlsClientConfig }),
      },
    },
  };
}

export interface ArgoCd {
  /** The namespace Argo CD runs in: its Applications, ConfigMaps and the cluster Secret. */
  namespace: string;
  /** destination.server of the test cluster. */
  server: string;
  repo: GitRepo;
  workDir: string;
  processes: LoggedProcess[];
  stop(): Promise<void>;
}

export interface ArgoCdOptions {
  /** argocd-cm timeout.reconciliation (Argo CD's default: 120s plus up to 60s of jitter; here 10s, no jitter). */
  reconciliation?: string;
}

export async function startArgoCd(opts: ArgoCdOptions = {}): Promise<ArgoCd> {
  const bin = binary('argocd');
  for (const f of [bin, join(argocdHome, '.ready')])
    if (!existsSync(f)) throw new Error(`${f} is missing: run bash test/cluster/build-binaries.sh argocd`);
  const id = randomBytes(3).toString('hex');
  const namespace = `argocd-${id}`;
  const workDir = join(clusterDir, `argocd-${id}`);
  mkdirSync(workDir, { recursive: true });
  const processes: LoggedProcess[] = [];
  let repo: GitRepo | undefined;
  // Logs stay when a start failed, or with KEEP_ARGOCD_LOGS=1 (they are under .cluster/<name>/argocd-<id>/).
  const stop = async (keepLogs = process.env.KEEP_ARGOCD_LOGS === '1') => {
    // Applications first (no cascade: the chart's CRDs must survive), then the processes, by pid.
    await kubectl(['delete', 'applications.argoproj.io', '--all', '-n', namespace, '--wait=false']);
    for (const p of [...processes].reverse()) await p.stop();
    await repo?.stop();
    await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    if (!keepLogs) rmSync(workDir, { recursive: true, force: true });
  };
  try {
    repo = await startGitRepo(join(workDir, 'git'));
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(argocdHome, 'crds')]);
    // A new CRD has no conditions for a moment, and `kubectl wait` fails on that instead of waiting.
    await eventually('the Argo CD CRDs Established', async () => {
      const r = await kubectl([
        'wait',
        '--for=condition=Established',
        '--timeout=10s',
        'crd/applications.argoproj.io',
        'crd/appprojects.argoproj.io',
      ]);
      return r.code === 0 ? true : undefined;
    });
    await kubectlOk(['create', 'namespace', namespace]);
    const part = { 'app.kubernetes.io/part-of': 'argocd' };
    const cms: Record<string, Data> = {
      'argocd-cm': argocdCm(opts.reconciliation ?? '10s'),
      'argocd-rbac-cm': {},
      'argocd-cmd-params-cm': {
        // Keep each resource's health in the Application's status (kubectl shows it; the UI is not run here).
        'controller.resource.health.persist': 'true',
        // Self-heal waits 5 s after the last sync instead of Argo CD 3's backoff, whose first step is 0 s: a
        // compare right after a sync can still see the cluster cache from before Argo CD's own apply, find
        // the object it just applied out of sync, and sync it a second time (seen twice in about 30 commits).
        'controller.self.heal.timeout.seconds': '5',
        'controller.self.heal.backoff.timeout.seconds': '0',
      },
    };
    for (const [name, data] of Object.entries(cms))
      await applyManifest({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace, labels: part },
        data,
      });
    await applyManifest({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'argocd-secret', namespace, labels: part },
      stringData: { 'server.secretkey': randomBytes(24).toString('base64') },
    });
    const { server, secret } = clusterSecret(namespace);
    await applyManifest(secret);
    await applyManifest({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'default', namespace },
      spec: {
        sourceRepos: [repo.url],
        destinations: [{ server, namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    });

    const [redisPort, repoPort, repoMetrics, ctrlMetrics] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const log = (name: string) => join(workDir, `${name}.log`);
    const redis = spawnLogged(
      'redis-server',
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { logFile: log('redis') },
    );
    processes.push(redis);
    await waitUntilReady(redis, 'Redis ready', async () =>
      readFileSync(redis.logFile, 'utf8').includes('Ready to accept'),
    );

    // repo-server: the "volumes" of its Deployment become directories here; the hack/ wrappers and helm on PATH.
    const dirs = Object.fromEntries(
      ['gpg-keys', 'gpg-data', 'ssh', 'tls', 'helm', 'tmp'].map((d) => {
        mkdirSync(join(workDir, 'repo-server', d), { recursive: true, mode: 0o700 });
        return [d, join(workDir, 'repo-server', d)];
      }),
    ) as Record<string, string>;
    const repoServer = spawnLogged(
      'argocd-repo-server',
      bin,
      [
        '--port',
        String(repoPort),
        '--address',
        '127.0.0.1',
        '--metrics-port',
        String(repoMetrics),
        '--metrics-address',
        '127.0.0.1',
        '--redis',
        `127.0.0.1:${redisPort}`,
        '--disable-tls',
        '--client-ca-path=',
      ],
      {
        logFile: log('repo-server'),
        env: {
          PATH: [join(argocdHome, 'hack'), binDir, process.env.PATH].join(':'),
          ...manifestEnv(join(argocdHome, 'manifests/argocd-repo-server-deployment.yaml'), cms),
          ARGOCD_BINARY_NAME: 'argocd-repo-server',
          ARGOCD_GPG_ENABLED: 'false',
          ARGOCD_GNUPGHOME: dirs['gpg-keys'],
          ARGOCD_GPG_DATA_PATH: dirs['gpg-data'],
          ARGOCD_SSH_DATA_PATH: dirs.ssh,
          ARGOCD_TLS_DATA_PATH: dirs.tls,
          HELM_CACHE_HOME: dirs.helm,
          HELM_CONFIG_HOME: dirs.helm,
          HELM_DATA_HOME: dirs.helm,
          TMPDIR: dirs.tmp,
          HOME: workDir,
        },
      },
    );
    processes.push(repoServer);
    await waitUntilReady(repoServer, '/healthz', healthz(repoMetrics));

    const controller = spawnLogged(
      'argocd-application-controller',
      bin,
      [
        '--kubeconfig',
        kubeconfigPath,
        '--namespace',
        namespace,
        '--redis',
        `127.0.0.1:${redisPort}`,
        '--repo-server',
        `127.0.0.1:${repoPort}`,
        '--repo-server-plaintext',
        '--metrics-port',
        String(ctrlMetrics),
        '--status-processors',
        '2',
        '--operation-processors',
        '2',
      ],
      {
        logFile: log('application-controller'),
        env: {
          PATH: process.env.PATH,
          HOME: workDir,
          ...manifestEnv(join(argocdHome, 'manifests/argocd-application-controller-statefulset.yaml'), cms),
          ARGOCD_BINARY_NAME: 'argocd-application-controller',
          ARGOCD_GPG_ENABLED: 'false',
        },
      },
    );
    processes.push(controller);
    await waitUntilReady(controller, '/healthz', healthz(ctrlMetrics));
    return { namespace, server, repo, workDir, processes, stop: () => stop() };
  } catch (err) {
    await stop(true).catch(() => undefined);
    throw err;
  }
}

// The peer under test: Argo Rollouts' controller (built by `test/cluster/build-binaries.sh
// rollouts-controller`, cached with its CRDs in ~/.cache/agent-army) as a child process with its metrics
// on a free port, logs in a file. Its writes are the verbs other than get/list/watch of its client metric.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, repoRoot } from '../../test/support/cluster.js';
import { freePort } from '../../test/support/processes.js';
import { type Sample, scrapeMetrics } from './prom-text.js';

const versions = readFileSync(join(repoRoot, 'test/cluster/versions.sh'), 'utf8');
/** The pinned Argo Rollouts version (test/cluster/versions.sh), e.g. v1.10.2. */
export const peerVersion = /ARGO_ROLLOUTS_VERSION:-(v[0-9.]+)/.exec(versions)?.[1] ?? 'unknown';
export const peerName = `Argo Rollouts ${peerVersion}`;
export const peerBinary = join(cacheDir, 'bin', `rollouts-controller-${peerVersion}`);
export const peerCrds = join(cacheDir, `argo-rollouts-crds-${peerVersion}`);
/** The CRDs the controller watches (it waits for the caches of all of them). */
export const PEER_CRD_FILES = [
  'rollout-crd.yaml',
  'analysis-run-crd.yaml',
  'analysis-template-crd.yaml',
  'cluster-analysis-template-crd.yaml',
  'experiment-crd.yaml',
];

const REQUESTS = 'controller_clientset_k8s_request_total';
const READS = new Set(['get', 'list', 'watch']);

/** The peer's API writes in a scrape: its client request counter, every verb but get, list and watch. */
export function peerWrites(samples: Sample[]): number {
  return samples
    .filter((s) => s.name === REQUESTS && !READS.has((s.labels.verb ?? '').toLowerCase()))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * The resource a request went to. The peer's own label parsing shifts by one for subresources (a Rollout's
 * status patch is labelled kind=<object name>, namespace=rollouts, name=status) and leaves a create of a
 * namespaced collection without a kind: undo the first, name the second.
 */
function resourceOf(labels: Record<string, string>): string {
  if (labels.name === 'status') return `${labels.namespace}/status`;
  return labels.kind || '(unlabelled)';
}

/** The peer's writes by `verb resource` (e.g. `Patch rollouts/status`). */
export function peerWritesByVerbKind(samples: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== REQUESTS || s.value === 0 || READS.has((s.labels.verb ?? '').toLowerCase())) continue;
    const key = `${s.labels.verb ?? ''} ${resourceOf(s.labels)}`;
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** True once every kind the peer listed with success is watched too, Rollouts included. */
export function informersWatching(samples: Sample[]): boolean {
  const kinds = (verb: string, ok: boolean) =>
    new Set(
      samples
        .filter((s) => s.name === REQUESTS && s.labels.verb?.toLowerCase() === verb)
        .filter((s) => !ok || s.labels.status_code === '200')
        .map((s) => `${s.labels.kind}`),
    );
  const watched = kinds('watch', false);
  return watched.has('rollouts') && [...kinds('list', true)].every((k) => watched.has(k));
}

/** Fails with the command that builds it when the peer binary or its CRDs are not in the cache. */
export function assertPeerBuilt(): void {
  if (!existsSync(peerBinary) || !existsSync(join(peerCrds, 'rollout-crd.yaml')))
    throw new Error(
      `${peerName} is not built: run \`bash test/cluster/build-binaries.sh rollouts-controller\` (expected ${peerBinary} and ${peerCrds}/)`,
    );
}

export class PeerProcess {
  readonly pid: number;
  readonly metricsUrl: string;
  private readonly healthzUrl: string;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    metricsPort: number,
    healthzPort: number,
  ) {
    this.pid = child.pid ?? -1;
    this.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    this.healthzUrl = `http://127.0.0.1:${healthzPort}/healthz`;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
  }

  /** Starts the controller; `args` are its tuning flags (e.g. --qps 1000 --burst 2000). */
  static async start(o: { kubeconfig: string; logFile: string; args: string[] }): Promise<PeerProcess> {
    const [metricsPort, healthzPort] = [await freePort(), await freePort()];
    const log = openSync(o.logFile, 'w');
    const child = spawn(
      peerBinary,
      [
        '--kubeconfig',
        o.kubeconfig,
        '--metricsPort',
        String(metricsPort),
        '--healthzPort',
        String(healthzPort),
        '--loglevel',
        'error',
        '--leader-elect=false',
        ...o.args,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${peerBinary}`);
    return new PeerProcess(child, metricsPort, healthzPort);
  }

  get exitedWith(): string | undefined {
    return this.exitInfo ? JSON.stringify(this.exitInfo) : undefined;
  }

  /**
   * Waits until its health endpoint answers and its caches are filled: every kind it listed successfully
   * is being watched, the Rollouts among them (an informer starts its watch once its list is stored).
   */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitInfo) throw new Error(`${peerName} exited before it was ready: ${this.exitedWith}`);
      try {
        const health = await fetch(this.healthzUrl, { signal: AbortSignal.timeout(1000) });
        if (health.ok && informersWatching(await this.scrape())) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${peerName} not ready at ${this.healthzUrl} in time`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async scrape(): Promise<Sample[]> {
    if (this.exitInfo) throw new Error(`${peerName} exited: ${this.exitedWith}`);
    return scrapeMetrics(this.metricsUrl, () => this.exitInfo !== undefined);
  }

  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exitInfo) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  killNow(): void {
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }
}

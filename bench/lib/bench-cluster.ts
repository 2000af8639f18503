// The benchmark's own KWOK cluster (name `bench`, separate from the shared test cluster), started through
// test/cluster/cluster.sh with the QPS settings of bench/kwokctl-bench.yaml, plus kubectl against it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, type CommandResult, repoRoot, run } from '../../test/support/cluster.js';

const clusterScript = join(repoRoot, 'test/cluster/cluster.sh');
export const benchClusterConfig = join(repoRoot, 'bench/kwokctl-bench.yaml');

export interface BenchClusterOptions {
  name: string;
  nodes: number;
}

function clusterEnv(opts: BenchClusterOptions): NodeJS.ProcessEnv {
  return {
    CLUSTER_NAME: opts.name,
    CLUSTER_NODES: String(opts.nodes),
    CLUSTER_CONFIG: benchClusterConfig,
    // The cluster directory follows the name; never inherit the shared cluster's.
    CLUSTER_DIR: join(repoRoot, '.cluster', opts.name),
  };
}

export class BenchCluster {
  kubeconfig = '';

  constructor(readonly opts: BenchClusterOptions) {
    if (opts.name === 'agent-army') throw new Error('the benchmark must not use the shared test cluster');
  }

  /** A fresh cluster: any earlier one of this name is removed first, so no state leaks between rounds. */
  async up(): Promise<string> {
    await this.down();
    const r = await run('bash', [clusterScript, 'up'], { env: clusterEnv(this.opts), timeoutMs: 600_000 });
    if (r.code !== 0) {
      throw new Error(
        `cluster.sh up (${this.opts.name}) failed (${r.code}):\n${r.stderr.trim()}\n${this.kwokctlLogs()}`,
      );
    }
    const path = r.stdout.trim().split('\n').at(-1) ?? '';
    if (!path.endsWith('kubeconfig'))
      throw new Error(`cluster.sh up printed no kubeconfig path: ${r.stdout}`);
    this.kubeconfig = path;
    return path;
  }

  /** The tail of kwokctl's own logs, for a failed start (cluster.sh stops silently when a step fails). */
  private kwokctlLogs(): string {
    const dir = join(repoRoot, '.cluster', this.opts.name);
    return ['kwokctl-create.log', 'kwokctl-scale.log']
      .map((f) => join(dir, f))
      .filter((f) => existsSync(f))
      .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-8).join('\n')}`)
      .join('\n');
  }

  async down(): Promise<void> {
    await run('bash', [clusterScript, 'down'], { env: clusterEnv(this.opts), timeoutMs: 120_000 });
  }

  /** Teardown for the exit path, where nothing asynchronous runs any more. */
  downSync(): void {
    spawnSync('bash', [clusterScript, 'down'], {
      env: { ...process.env, ...clusterEnv(this.opts) },
      stdio: 'ignore',
      timeout: 60_000,
    });
  }

  kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
    return run(binary('kubectl'), ['--kubeconfig', this.kubeconfig, ...args], opts);
  }

  async kubectlOk(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }
}

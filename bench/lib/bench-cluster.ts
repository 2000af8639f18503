// The benchmark's own KWOK cluster, started through test/cluster/cluster.sh with the QPS settings of
// bench/kwokctl-bench.yaml, plus kubectl against it. Its name is the test cluster's (CLUSTER_NAME) with
// `-scale` appended, and its directory (kwokctl's state and pid files included) is inside this checkout,
// so it can neither be the test cluster nor another checkout's benchmark cluster.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, type CommandResult, clusterName, repoRoot, run } from '../../test/support/cluster.js';

/** The benchmark cluster's default name, derived from the test cluster's. */
export const benchClusterName = `${clusterName}-scale`;

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
    // KWOK nodes only: the scale workloads never run containers, and the real node is one per machine
    // (the test cluster's, when it runs).
    REAL_NODE: '0',
  };
}

export class BenchCluster {
  kubeconfig = '';
  /** `cluster.sh up` while it runs, in its own process group so an interrupt can stop kwokctl too. */
  private starting: ChildProcess | undefined;

  constructor(readonly opts: BenchClusterOptions) {
    if (opts.name === clusterName) throw new Error('the benchmark must not use the test cluster');
  }

  /** The node count of the next `up` (a scale's rounds need more nodes). */
  setNodes(nodes: number): void {
    this.opts.nodes = nodes;
  }

  /** A fresh cluster: any earlier one of this name is removed first, so no state leaks between rounds. */
  async up(): Promise<string> {
    await this.down();
    const r = await this.startCluster(600_000);
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

  private startCluster(timeoutMs: number): Promise<CommandResult> {
    return new Promise((resolve) => {
      const child = spawn('bash', [clusterScript, 'up'], {
        env: { ...process.env, ...clusterEnv(this.opts) },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.starting = child;
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => this.stopStarting(), timeoutMs);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        this.starting = undefined;
        resolve({ stdout, stderr: signal ? `${stderr}\nstopped by ${signal}` : stderr, code: code ?? 1 });
      });
    });
  }

  /** Kills an unfinished `cluster.sh up` and everything it started (its process group). */
  private stopStarting(): void {
    const pid = this.starting?.pid;
    if (pid === undefined || this.starting?.exitCode !== null) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
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

  /** Pids of the control-plane processes kwokctl started (its pid files), by component name. */
  componentPids(): Record<string, number> {
    const dir = join(repoRoot, '.cluster', this.opts.name, 'kwok/clusters', this.opts.name, 'pids');
    const out: Record<string, number> = {};
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.pid'));
    } catch {
      return out;
    }
    for (const f of files) {
      const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) out[f.slice(0, -'.pid'.length)] = pid;
    }
    return out;
  }

  async down(): Promise<void> {
    await run('bash', [clusterScript, 'down'], { env: clusterEnv(this.opts), timeoutMs: 120_000 });
  }

  /** Teardown for the exit path, where nothing asynchronous runs any more. */
  downSync(): void {
    this.stopStarting();
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

// The operator under test as a real child process. By default it is compiled with tsc into a temporary
// directory and run as `node dist/main.js` — what the container image runs — so the measured process is
// the operator alone (no TypeScript loader in its memory or CPU). BENCH_OPERATOR_RUN=tsx runs
// `node --import tsx operator/src/main.ts` instead. Logs go to a file, not through the benchmark.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../../test/support/cluster.js';
import { freePort } from '../../test/support/processes.js';
import { type Sample, scrapeMetrics } from './prom-text.js';

export type RunMode = 'dist' | 'tsx';

/**
 * The node flags of the operator image (operator/Dockerfile's ENTRYPOINT, between `node` and the entry
 * file), so the benchmark measures the process the image runs. Throws when the line cannot be read.
 */
export function imageNodeFlags(dockerfile = join(repoRoot, 'operator/Dockerfile')): string[] {
  const line = readFileSync(dockerfile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT '));
  const argv: unknown = line ? JSON.parse(line.slice('ENTRYPOINT '.length)) : undefined;
  if (!Array.isArray(argv) || argv[0] !== 'node') {
    throw new Error(`${dockerfile}: expected ENTRYPOINT ["node", <flags>..., <entry>]`);
  }
  const flags: string[] = [];
  for (const a of argv.slice(1)) {
    if (typeof a !== 'string' || !a.startsWith('--')) break;
    flags.push(a);
  }
  return flags;
}

export interface OperatorBuild {
  mode: RunMode;
  /** The entry file node runs. */
  entry: string;
  /** Temporary build directory (dist mode), removed by `cleanup`. */
  dir?: string;
  buildSeconds: number;
  cleanup(): void;
}

/**
 * One workspace's sources (`operator` or `agent-runtime`) of another git revision, with the root tsconfig
 * files it extends, from `git archive`, in a temporary directory that resolves packages from this checkout,
 * for a baseline round side by side.
 */
export async function sourcesAt(
  rev: string,
  workspace: 'operator' | 'agent-runtime' = 'operator',
): Promise<{ root: string; cleanup(): void }> {
  const root = mkdtempSync(join(tmpdir(), `${workspace}-baseline-`));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const fail = (why: string): never => {
    cleanup();
    throw new Error(`cannot read ${workspace} at revision ${rev}: ${why}`);
  };
  const ls = await run('git', ['-C', repoRoot, 'ls-tree', '--name-only', rev], { timeoutMs: 30_000 });
  if (ls.code !== 0) fail(ls.stderr.trim());
  const paths = [workspace, ...ls.stdout.split('\n').filter((f) => /^tsconfig.*\.json$/.test(f))];
  const r = await run(
    'bash',
    [
      '-c',
      'set -o pipefail; repo=$1 rev=$2 dir=$3; shift 3; git -C "$repo" archive "$rev" "$@" | tar -x -C "$dir"',
      'bash',
      repoRoot,
      rev,
      root,
      ...paths,
    ],
    { timeoutMs: 60_000 },
  );
  if (r.code !== 0 || !existsSync(join(root, workspace, 'tsconfig.json'))) fail(r.stderr.trim());
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, cleanup };
}

/** Compiles operator/src (dist mode) into a temporary directory that resolves packages from the repo. */
export async function buildOperator(mode: RunMode, sourceRoot = repoRoot): Promise<OperatorBuild> {
  if (mode === 'tsx') {
    return { mode, entry: join(repoRoot, 'operator/src/main.ts'), buildSeconds: 0, cleanup: () => {} };
  }
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'agent-army-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const tsc = join(repoRoot, 'node_modules/.bin/tsc');
  const r = await run(
    tsc,
    ['-p', join(sourceRoot, 'operator/tsconfig.json'), '--outDir', join(dir, 'dist'), '--sourceMap', 'false'],
    { timeoutMs: 300_000 },
  );
  const entry = join(dir, 'dist/main.js');
  if (!existsSync(entry)) {
    cleanup();
    throw new Error(`tsc did not emit the operator (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  }
  // tsc still emits on type errors; a type error elsewhere must not stop the benchmark, but say so.
  if (r.code !== 0) {
    const first = r.stdout.split('\n').slice(0, 3).join('\n');
    process.stderr.write(`[bench] warning: tsc reported errors, benchmarking what it emitted:\n${first}\n`);
  }
  return { mode, entry, dir, buildSeconds: (performance.now() - t0) / 1000, cleanup };
}

export interface OperatorOptions {
  build: OperatorBuild;
  kubeconfig: string;
  concurrency: number;
  logLevel: string;
  resyncPeriod: string;
  logFile: string;
  /** Extra node flags for the operator, e.g. --cpu-prof (BENCH_NODE_ARGS). */
  nodeArgs?: string[];
}

export class OperatorProcess {
  readonly pid: number;
  readonly metricsUrl: string;
  private readonly child: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.pid = child.pid ?? -1;
    this.metricsUrl = `http://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
  }

  static async start(opts: OperatorOptions): Promise<OperatorProcess> {
    const port = await freePort();
    const log = openSync(opts.logFile, 'w');
    const nodeArgs = [...(opts.nodeArgs ?? []), ...(opts.build.mode === 'tsx' ? ['--import', 'tsx'] : [])];
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        opts.build.entry,
        `--kubeconfig=${opts.kubeconfig}`,
        '--leader-elect=false',
        `--metrics-port=${port}`,
        '--metrics-bind-address=127.0.0.1',
        `--concurrency=${opts.concurrency}`,
        `--log-level=${opts.logLevel}`,
        `--resync-period=${opts.resyncPeriod}`,
      ],
      { cwd: repoRoot, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    if (child.pid === undefined) throw new Error('could not start the operator process');
    return new OperatorProcess(child, port);
  }

  get exitedWith(): string | undefined {
    return this.exitInfo ? JSON.stringify(this.exitInfo) : undefined;
  }

  /** Waits until /readyz answers 200 (informer caches synced). */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitInfo) throw new Error(`operator exited before it was ready: ${this.exitedWith}`);
      try {
        const res = await fetch(`${this.metricsUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`operator not ready at ${this.metricsUrl}/readyz in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async scrape(): Promise<Sample[]> {
    if (this.exitInfo) throw new Error(`operator exited: ${this.exitedWith}`);
    return scrapeMetrics(`${this.metricsUrl}/metrics`, () => this.exitInfo !== undefined);
  }

  /** SIGTERM (graceful: drain, stop watches), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exitInfo) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** For the exit path: no waiting. */
  killNow(): void {
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }
}

/** Distinct error messages of the operator's JSON log (pino level 50 or "error"), most frequent first. */
export function errorSummary(logFile: string, limit = 5): { count: number; message: string }[] {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.includes('"level":"error"') && !line.includes('"level":50')) continue;
    try {
      const entry = JSON.parse(line) as { err?: unknown; msg?: unknown };
      // Object names vary per army: fold them so one cause is one entry.
      const message = `${String(entry.msg)}: ${String(entry.err ?? '')}`
        .replace(/army-\d{3}/g, 'army-NNN')
        .slice(0, 300);
      counts.set(message, (counts.get(message) ?? 0) + 1);
    } catch {
      // not JSON
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([message, count]) => ({ count, message }));
}

// Start TypeScript entrypoints (the agent runtime, the fake OpenAI upstream, …) as real child processes on
// free loopback ports and wait until they answer their readiness path. Used by the runtime integration
// tests, the benchmark, and the demo/e2e (one runtime process per track).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const runtimeEntry = join(repoRoot, 'agent-runtime/src/main.ts');
export const fakeOpenAIEntry = join(repoRoot, 'agent-runtime/dev/fake-openai.ts');
export const fakeToolsEntry = join(repoRoot, 'agent-runtime/dev/fake-tools.ts');

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Shown in errors. */
  name: string;
  /** TS (or JS) file, absolute or relative to the repo root; run as `node --import tsx <entry>`. */
  entry: string;
  args?: string[];
  /** Extra node flags placed before the entry (e.g. --cpu-prof, --max-old-space-size=128). */
  nodeArgs?: string[];
  /** Load tsx (default true); false runs a compiled .js entry with plain node, as the image does. */
  tsx?: boolean;
  /** Extra environment (merged over the parent's). PORT and HOST are always set by the helper. */
  env?: Record<string, string | undefined>;
  /** Port to use; a free loopback port by default. */
  port?: number;
  host?: string;
  /** Path polled until it answers 2xx; null to skip the wait. Default /readyz. */
  readyPath?: string | null;
  /** How long to wait for readiness. Default 20 s. */
  timeoutMs?: number;
}

export interface ServiceProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved, last 1 MiB). */
  output(): string;
  /** Parsed JSON log lines from stdout (non-JSON lines are skipped). */
  logLines(): Record<string, unknown>[];
  /** Resolves when the process has exited. */
  exited: Promise<ExitInfo>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `timeoutMs` (default 10 s). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
}

/** Keeps the last `limit` characters of a stream without re-copying them on every chunk. */
class TailBuffer {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly limit = 1 << 20) {}
  push(s: string): void {
    this.chunks.push(s);
    this.size += s.length;
    if (this.size > 2 * this.limit) this.compact();
  }
  text(): string {
    this.compact();
    return this.chunks[0] ?? '';
  }
  private compact(): void {
    const joined = this.chunks.join('').slice(-this.limit);
    this.chunks = [joined];
    this.size = joined.length;
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave children behind when the parent (a test worker, the bench, the demo) goes away.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A port that was free a moment ago on `host` (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export async function spawnService(opts: SpawnOptions): Promise<ServiceProcess> {
  installExitHook();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const entry = isAbsolute(opts.entry) ? opts.entry : join(repoRoot, opts.entry);
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      ...(opts.tsx === false ? [] : ['--import', 'tsx']),
      entry,
      ...(opts.args ?? []),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, ...opts.env, PORT: String(port), HOST: host },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  live.add(child);
  const all = new TailBuffer();
  const stdout = new TailBuffer();
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    all.push(d);
    stdout.push(d);
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => all.push(d));
  const exited = new Promise<ExitInfo>((resolveExit) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolveExit({ code, signal });
    });
  });
  let hasExited: ExitInfo | undefined;
  void exited.then((info) => {
    hasExited = info;
  });

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const service: ServiceProcess = {
    name: opts.name,
    url,
    port,
    pid: child.pid ?? -1,
    child,
    output: () => all.text(),
    logLines: () =>
      stdout
        .text()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (hasExited) return hasExited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
  };

  if (opts.readyPath === null) return service;
  const readyUrl = `${url}${opts.readyPath ?? '/readyz'}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (hasExited) {
      throw new Error(
        `${opts.name} exited before it was ready (${JSON.stringify(hasExited)}):\n${all.text()}`,
      );
    }
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return service;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await service.stop('SIGKILL');
      throw new Error(`${opts.name} was not ready at ${readyUrl} in time:\n${all.text()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the operator as its own process (operator/src/main.ts, like the image) with `args`, its metrics
 * and health server on a free local port; ready when that port answers.
 */
export async function spawnOperator(
  name: string,
  args: string[],
  extra: Partial<SpawnOptions> = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  return spawnService({
    name,
    entry: 'operator/src/main.ts',
    args: [...args, `--metrics-port=${port}`, '--metrics-bind-address=127.0.0.1'],
    port,
    timeoutMs: 60_000,
    ...extra,
  });
}

/** Starts the fake OpenAI upstream with `config` (an object or a YAML/JSON file path). */
export function spawnFakeOpenAI(config: unknown, extra: Partial<SpawnOptions> = {}): Promise<ServiceProcess> {
  return spawnService({
    name: 'fake-openai',
    entry: fakeOpenAIEntry,
    ...extra,
    env: {
      FAKE_OPENAI_CONFIG: typeof config === 'string' ? config : JSON.stringify(config),
      ...extra.env,
    },
  });
}

/**
 * Starts the fake tool server (HTTP tools at /tools/<name>, an MCP server at /mcp) with `config` (an object
 * or a YAML/JSON file path; see agent-runtime/dev/fake-tools-config.ts).
 */
export function spawnFakeTools(config: unknown, extra: Partial<SpawnOptions> = {}): Promise<ServiceProcess> {
  return spawnService({
    name: 'fake-tools',
    entry: fakeToolsEntry,
    ...extra,
    env: {
      FAKE_TOOLS_CONFIG: typeof config === 'string' ? config : JSON.stringify(config),
      ...extra.env,
    },
  });
}

/**
 * Starts one agent runtime process. `env` is what the operator renders (AGENT_NAME, AGENT_VERSION,
 * AGENT_TRACK, MODEL_NAME, MODEL_BASE_URL, OPENAI_API_KEY, AGENT_CONFIG_FILE, …; see docs/runtime.md).
 */
export function spawnRuntime(
  env: Record<string, string | undefined>,
  extra: Partial<SpawnOptions> = {},
): Promise<ServiceProcess> {
  return spawnService({
    name: `agent-runtime ${env.AGENT_NAME ?? ''}@${env.AGENT_VERSION ?? ''} (${env.AGENT_TRACK ?? 'stable'})`,
    entry: runtimeEntry,
    ...extra,
    env: { ...env, ...extra.env },
  });
}

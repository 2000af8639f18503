// A native program (redis-server, git daemon, an Argo CD component) run as a child process whose output
// goes to a log file, stopped by its own pid. Used by the Argo CD harness; readiness is the caller's check.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface LoggedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** The last `chars` characters of the log (for error messages). */
  tail(chars?: number): string;
  /** Whether the process has exited (and how). */
  exitInfo(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once it has exited. */
  stop(timeoutMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): LoggedProcess {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  live.add(child);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const done = new Promise<void>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      exited ??= { code, signal };
      live.delete(child);
      resolve();
    };
    child.once('exit', finish);
    // A program that cannot start (not installed) counts as exited with code -1.
    child.once('error', () => finish(-1, null));
  });
  const tail = (chars = 4000) => {
    try {
      return readFileSync(opts.logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  };
  return {
    name,
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    tail,
    exitInfo: () => exited,
    async stop(timeoutMs = 10_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Polls `check` until it resolves true; fails with the process's log tail when it exits or times out. */
export async function waitUntilReady(
  proc: LoggedProcess,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = proc.exitInfo();
    if (info)
      throw new Error(`${proc.name} exited (${JSON.stringify(info)}) before ${what}:\n${proc.tail()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${proc.name}: no ${what} in ${timeoutMs} ms:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

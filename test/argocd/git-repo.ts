// The Git side of the GitOps tests: a local repository holding this checkout's examples/ and chart (as a
// user's repository would), served read-only by `git daemon` on a free port, and committed to by the tests.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { repoRoot, run } from '../support/cluster.js';
import { freePort } from '../support/processes.js';
import { type LoggedProcess, spawnLogged, waitUntilReady } from './logged-process.js';

export interface GitRepo {
  /** What an Application's source.repoURL says: git://127.0.0.1:<port>/agent-army */
  url: string;
  dir: string;
  /** Writes (string) or deletes (null) files relative to the repository root and commits them; returns the sha. */
  commit(files: Record<string, string | null>, message: string): Promise<string>;
  head(): Promise<string>;
  stop(): Promise<void>;
}

const identity = {
  GIT_AUTHOR_NAME: 'agent-army tests',
  GIT_AUTHOR_EMAIL: 'tests@agent-army.invalid',
  GIT_COMMITTER_NAME: 'agent-army tests',
  GIT_COMMITTER_EMAIL: 'tests@agent-army.invalid',
};

async function git(dir: string, args: string[]): Promise<string> {
  const r = await run('git', ['-C', dir, ...args], { env: identity });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Creates `<base>/agent-army` with examples/ and charts/agent-army/ on branch main and serves it. */
export async function startGitRepo(base: string): Promise<GitRepo> {
  const dir = join(base, 'agent-army');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(repoRoot, 'examples'), join(dir, 'examples'), { recursive: true });
  cpSync(join(repoRoot, 'charts/agent-army'), join(dir, 'charts/agent-army'), { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'examples and chart from the agent-army checkout']);

  const port = await freePort();
  const daemon: LoggedProcess = spawnLogged(
    'git daemon',
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--export-all',
      `--base-path=${base}`,
      '--listen=127.0.0.1',
      `--port=${port}`,
      base,
    ],
    { logFile: join(base, 'git-daemon.log') },
  );
  await waitUntilReady(daemon, `a listener on port ${port}`, () => portAnswers(port), 15_000);

  return {
    url: `git://127.0.0.1:${port}/agent-army`,
    dir,
    head: () => git(dir, ['rev-parse', 'HEAD']),
    async commit(files, message) {
      for (const [path, text] of Object.entries(files)) {
        const abs = join(dir, path);
        if (text === null) rmSync(abs, { force: true });
        else {
          mkdirSync(dirname(abs), { recursive: true });
          writeFileSync(abs, text);
        }
      }
      await git(dir, ['add', '-A']);
      await git(dir, ['commit', '-q', '-m', message]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
    stop: () => daemon.stop(),
  };
}

// The runtime of another git revision for the runtime benchmark (BENCH_BASELINE_REV): its agent-runtime/
// and root tsconfig files from `git archive`, compiled with tsc in a temporary directory that resolves
// packages from this checkout, so a change and the code before it are measured in the same rotation.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RuntimeBuild {
  /** The compiled entry (agent-runtime/dist/main.js of that revision). */
  entry: string;
  cleanup(): void;
}

export function buildRuntimeAt(repoRoot: string, rev: string): RuntimeBuild {
  const root = mkdtempSync(join(tmpdir(), 'agent-runtime-baseline-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    const files = execFileSync('git', ['-C', repoRoot, 'ls-tree', '--name-only', rev], { encoding: 'utf8' });
    const paths = ['agent-runtime', ...files.split('\n').filter((f) => /^tsconfig.*\.json$/.test(f))];
    execFileSync(
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
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', join(root, 'agent-runtime/tsconfig.json')], {
        stdio: 'inherit',
      });
    } catch {
      // tsc emits on type errors too; only a missing entry stops the run (below).
    }
    const entry = join(root, 'agent-runtime/dist/main.js');
    if (!existsSync(entry)) throw new Error(`tsc did not emit ${entry}`);
    return { entry, cleanup };
  } catch (err) {
    cleanup();
    throw new Error(`cannot build the runtime at revision ${rev}: ${(err as Error).message}`);
  }
}

// The runtime of another git revision for the runtime benchmark (BENCH_BASELINE_REV): its agent-runtime/
// and root tsconfig files (sourcesAt, shared with the operator benchmark), compiled with tsc in place, so a
// change and the code before it are measured in the same rotation.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/cluster.js';
import { sourcesAt } from './operator-process.js';

export interface RuntimeBuild {
  /** The compiled entry (agent-runtime/dist/main.js of that revision). */
  entry: string;
  cleanup(): void;
}

export async function buildRuntimeAt(rev: string): Promise<RuntimeBuild> {
  const { root, cleanup } = await sourcesAt(rev, 'agent-runtime');
  try {
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

// Brings the local test cluster up once per integration run. A cluster that was already running (for
// example from `make cluster-up`) is reused and left running; one started here is stopped at the end
// unless KEEP_CLUSTER=1.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/cluster.js';

const script = join(repoRoot, 'test/cluster/cluster.sh');

export default function setup(): () => void {
  let wasRunning = true;
  try {
    execFileSync('bash', [script, 'status'], { stdio: 'ignore' });
  } catch {
    wasRunning = false;
  }
  execFileSync('bash', [script, 'up'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60 * 60_000 });
  return () => {
    if (!wasRunning && process.env.KEEP_CLUSTER !== '1') {
      execFileSync('bash', [script, 'down'], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
  };
}

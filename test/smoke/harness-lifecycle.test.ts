// Proves cluster.sh's lifecycle on a second, throw-away cluster: a second `up` reuses the running
// control plane instead of starting another, and `down` stops every process it started and removes
// its data directory.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, run } from '../support/cluster.js';

const name = `lifecycle-${process.pid}`;
const dir = join(repoRoot, '.cluster', name);
// KWOK nodes only: the machine's one real node belongs to the shared test cluster.
const env = { CLUSTER_NAME: name, CLUSTER_NODES: '1', REAL_NODE: '0' };
const script = join(repoRoot, 'test/cluster/cluster.sh');

/** PIDs of processes whose command line mentions this cluster's state directory. */
function clusterPids(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `${dir}/kwok/clusters/${name}`])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('cluster.sh lifecycle', () => {
  it('reuses a running cluster on a second up and leaves no process or data behind on down', async () => {
    try {
      const first = await run('bash', [script, 'up'], { env, timeoutMs: 180_000 });
      expect(first.code, first.stderr).toBe(0);
      const pidsAfterFirst = clusterPids();
      // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok-controller
      expect(pidsAfterFirst.length).toBeGreaterThanOrEqual(5);

      const second = await run('bash', [script, 'up'], { env, timeoutMs: 60_000 });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/already running; reusing it/);
      expect(second.stdout.trim()).toBe(first.stdout.trim());
      expect(clusterPids().sort()).toEqual(pidsAfterFirst.sort());
    } finally {
      const down = await run('bash', [script, 'down'], { env, timeoutMs: 60_000 });
      expect(down.code, down.stderr).toBe(0);
    }
    expect(clusterPids()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    const status = await run('bash', [script, 'status'], { env });
    expect(status.code).not.toBe(0);
  });
});

// The operator entry point as a real process: serves /healthz, /readyz and /metrics, takes the Lease, and on
// SIGTERM drains, releases the Lease and exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  kubeconfigPath,
  kubectl,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';

const ns = uniqueNamespace('rt-proc');
let child: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

async function holder(): Promise<string | undefined> {
  const r = await kubectl([
    'get',
    'lease',
    'agent-army-operator',
    '-n',
    ns,
    '-o',
    'jsonpath={.spec.holderIdentity}',
  ]);
  return r.code === 0 ? r.stdout : undefined;
}

describe('operator process', () => {
  it('serves health and metrics, leads, and on SIGTERM releases the Lease and exits 0', async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'operator/src/main.ts'),
        `--kubeconfig=${kubeconfigPath}`,
        `--namespaces=${ns}`,
        `--leader-election-namespace=${ns}`,
        '--metrics-port=0',
        '--metrics-bind-address=127.0.0.1',
        '--retry-period=500ms',
      ],
      { cwd: repoRoot, env: { ...process.env, POD_NAME: 'proc-test' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const port = await eventually('metrics port logged', async () => {
      const m = /"port":(\d+)/.exec(output);
      return m ? Number(m[1]) : undefined;
    });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await eventually('ready', async () =>
      (await fetch(`${base}/readyz`)).status === 200 ? true : undefined,
    );
    await eventually('lease taken', async () => ((await holder()) === 'proc-test' ? true : undefined));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('leader_election_master_status{name="agent-army-operator"} 1');
    for (const line of output.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await holder()).toBe('');
    expect(output).toContain('shutdown complete');
  });
});

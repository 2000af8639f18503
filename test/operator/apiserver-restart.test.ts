// The operator survives its apiserver going away: on a throw-away cluster, the control plane is stopped
// and started again (kwokctl stop/start cluster) while the operator runs. Its informers reconnect, and a
// change made after the restart is reconciled, with the operator process still the same one.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentVersion, army, secret } from '../army/fixtures.js';
import { binary, eventually, repoRoot, run } from '../support/cluster.js';
import { type ServiceProcess, spawnOperator } from '../support/processes.js';

const name = `restart-${process.pid}`;
// KWOK nodes only: the machine's one real node belongs to the shared test cluster.
const env = { CLUSTER_NAME: name, CLUSTER_NODES: '1', REAL_NODE: '0' };
const dir = join(repoRoot, '.cluster', name);
const kubeconfig = join(dir, 'kubeconfig');
const script = join(repoRoot, 'test/cluster/cluster.sh');
const ns = 'restart';
let operator: ServiceProcess | undefined;

const k = (args: string[], input?: string) =>
  run(binary('kubectl'), ['--kubeconfig', kubeconfig, ...args], input === undefined ? {} : { input });
const kwokctl = (verb: 'stop' | 'start') =>
  run(binary('kwokctl'), [verb, 'cluster', '--name', name], {
    env: { KWOK_WORKDIR: join(dir, 'kwok') },
    timeoutMs: 120_000,
  });

async function armyReadyAt(version: string): Promise<boolean | undefined> {
  const r = await k(['get', 'agentarmy', 'support', '-n', ns, '-o', 'json']);
  if (r.code !== 0) return undefined;
  const a = JSON.parse(r.stdout) as { status?: { phase?: string; agents?: { stableVersion?: string }[] } };
  return a.status?.phase === 'Ready' && a.status.agents?.[0]?.stableVersion === version ? true : undefined;
}

beforeAll(async () => {
  const up = await run('bash', [script, 'up'], { env, timeoutMs: 180_000 });
  if (up.code !== 0) throw new Error(up.stderr);
  expect((await k(['apply', '--server-side', '-f', join(repoRoot, 'crds')])).code).toBe(0);
  await k(['wait', '--for=condition=Established', '--timeout=60s', '-f', join(repoRoot, 'crds')]);
  await k(['create', 'namespace', ns]);
  for (const doc of [
    secret(ns),
    agentVersion(ns, 'orch-v1', '1.0.0'),
    agentVersion(ns, 'orch-v11', '1.1.0'),
  ]) {
    expect((await k(['apply', '-f', '-'], doc)).code).toBe(0);
  }
}, 240_000);

afterAll(async () => {
  await operator?.stop('SIGKILL').catch(() => undefined);
  await run('bash', [script, 'down'], { env, timeoutMs: 60_000 });
});

describe('apiserver restart', () => {
  it('the operator reconnects its watches and reconciles changes made after the restart', async () => {
    operator = await spawnOperator('operator', [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--log-level=warn',
    ]);
    expect(
      (await k(['apply', '-f', '-'], army(ns, [{ name: 'orchestrator', version: 'orch-v1' }]))).code,
    ).toBe(0);
    await eventually('Ready at orch-v1', () => armyReadyAt('orch-v1'), { timeoutMs: 60_000 });

    const stopped = await kwokctl('stop');
    expect(stopped.code, stopped.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 3000)); // the watches fail and back off while it is down
    const started = await kwokctl('start');
    expect(started.code, started.stderr).toBe(0);
    await eventually(
      'apiserver back',
      async () => ((await k(['get', '--raw', '/readyz'])).code === 0 ? true : undefined),
      {
        timeoutMs: 90_000,
      },
    );

    await eventually('the change to be accepted', async () =>
      (await k(['apply', '-f', '-'], army(ns, [{ name: 'orchestrator', version: 'orch-v11' }]))).code === 0
        ? true
        : undefined,
    );
    // What the operator owns: it sees the change (applies the 1.1.0 Deployment) and its status mirrors the
    // server's Deployment status, which it can only know through watches re-established after the
    // restart. (Whether KWOK's fake nodes get the new pod Ready quickly after a restart is not the
    // operator's business, so the test does not wait for Ready.)
    const seen = await eventually(
      'the operator to apply 1.1.0 and mirror the Deployment status',
      async () => {
        const dep = await k(['get', 'deployment', 'support-orchestrator', '-n', ns, '-o', 'json']);
        const a = await k(['get', 'agentarmy', 'support', '-n', ns, '-o', 'json']);
        if (dep.code !== 0 || a.code !== 0) return undefined;
        const d = JSON.parse(dep.stdout) as {
          metadata: { labels: Record<string, string> };
          status: Record<string, number>;
        };
        const army = JSON.parse(a.stdout) as {
          metadata: { generation: number };
          status?: {
            observedGeneration?: number;
            agents?: {
              desiredVersion?: string;
              updatedReplicas?: number;
              readyReplicas?: number;
              phase?: string;
              message?: string;
            }[];
          };
        };
        const agent = army.status?.agents?.[0];
        const ok =
          d.metadata.labels['agentarmy.dev/version'] === '1.1.0' &&
          army.status?.observedGeneration === army.metadata.generation &&
          agent?.desiredVersion === 'orch-v11' &&
          (d.status.updatedReplicas ?? 0) >= 1 &&
          agent.updatedReplicas === (d.status.updatedReplicas ?? 0) &&
          agent.readyReplicas === (d.status.readyReplicas ?? 0) &&
          // Only a Deployment event after the restart tells the cache the 1.1.0 pods exist.
          (agent.phase === 'Ready' || /: 1\/1 updated/.test(agent.message ?? ''));
        return ok ? { army, d } : undefined;
      },
      { timeoutMs: 90_000 },
    ).catch(async (err: unknown) => {
      const logs = operator
        ?.logLines()
        .slice(-15)
        .map((l) => JSON.stringify(l))
        .join('\n');
      throw new Error(`${String(err)}\noperator log:\n${logs}`);
    });
    expect(seen.army.status?.agents?.[0]?.desiredVersion).toBe('orch-v11');
    // Same process throughout: it never exited while the apiserver was away.
    expect(() => process.kill(operator!.pid, 0)).not.toThrow();
    const health = await fetch(`${operator.url}/healthz`);
    expect(health.ok).toBe(true);
    const metrics = await (await fetch(`${operator.url}/metrics`)).text();
    expect(metrics).toMatch(/controller_runtime_reconcile_total\{[^}]*controller="agentarmy"[^}]*\} [1-9]/);
  }, 300_000);
});

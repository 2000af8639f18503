// Two operator processes against the real apiserver: exactly one leads (and reconciles); when the leader
// is killed with SIGKILL (no chance to release the Lease), the other takes over once the lease expires
// and carries on reconciling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentVersion, army, secret } from '../army/fixtures.js';
import {
  eventually,
  kubeconfigPath,
  kubectl,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { type ServiceProcess, spawnOperator } from '../support/processes.js';

const ns = uniqueNamespace('failover');
const procs: ServiceProcess[] = [];

async function startOperator(identity: string): Promise<ServiceProcess> {
  const p = await spawnOperator(identity, [
    `--kubeconfig=${kubeconfigPath}`,
    `--namespaces=${ns}`,
    `--leader-election-namespace=${ns}`,
    `--identity=${identity}`,
    '--lease-duration=4s',
    '--renew-deadline=3s',
    '--retry-period=500ms',
    '--log-level=warn',
  ]);
  procs.push(p);
  return p;
}

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
  return r.code === 0 && r.stdout ? r.stdout : undefined;
}

async function isLeader(p: ServiceProcess): Promise<boolean> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  return /^leader_election_master_status\{[^}]*\} 1$/m.test(text);
}

async function armyReadyAt(version: string): Promise<boolean | undefined> {
  const r = await kubectl(['get', 'agentarmy', 'support', '-n', ns, '-o', 'json']);
  if (r.code !== 0) return undefined;
  const a = JSON.parse(r.stdout) as { status?: { phase?: string; agents?: { stableVersion?: string }[] } };
  return a.status?.phase === 'Ready' && a.status.agents?.[0]?.stableVersion === version ? true : undefined;
}

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', `${repoRoot}/crds`]);
  await kubectlOk(['create', 'namespace', ns]);
  for (const doc of [
    secret(ns),
    agentVersion(ns, 'orch-v1', '1.0.0'),
    agentVersion(ns, 'orch-v11', '1.1.0'),
  ]) {
    await kubectlOk(['apply', '-f', '-'], { input: doc });
  }
});

afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL').catch(() => undefined);
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('two operator replicas', () => {
  it('elect one leader, and the other takes over and reconciles after the leader is SIGKILLed', async () => {
    const a = await startOperator('replica-a');
    const first = await eventually('a lease holder', holder);
    const b = await startOperator('replica-b');
    const leader = first === 'replica-a' ? a : b;
    const follower = leader === a ? b : a;
    await eventually('the leader to report it leads', async () =>
      (await isLeader(leader)) ? true : undefined,
    );
    expect(await isLeader(follower)).toBe(false);

    await kubectlOk(['apply', '-f', '-'], {
      input: army(ns, [{ name: 'orchestrator', version: 'orch-v1' }]),
    });
    await eventually('army Ready at orch-v1', () => armyReadyAt('orch-v1'));

    await leader.stop('SIGKILL');
    const next = await eventually(
      'the follower to take the lease',
      async () => {
        const h = await holder();
        return h && h === follower.name ? h : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(next).toBe(follower.name);
    await eventually('the new leader to report it leads', async () =>
      (await isLeader(follower)) ? true : undefined,
    );

    // The new leader reconciles: a version change made after the failover is rolled out.
    await kubectlOk(['apply', '-f', '-'], {
      input: army(ns, [{ name: 'orchestrator', version: 'orch-v11' }]),
    });
    await eventually('army Ready at orch-v11 under the new leader', () => armyReadyAt('orch-v11'), {
      timeoutMs: 60_000,
    });
  });
});

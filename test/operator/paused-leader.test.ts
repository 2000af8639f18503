// A leader paused past its lease (SIGSTOP: a long GC pause, a frozen VM) must write nothing when it
// resumes: another replica took the lease meanwhile. Two operator processes against the real apiserver;
// the leader A is paused until B holds the lease, then B is paused too, the army is changed, and A is
// resumed with that change arriving on its watch and no lease: it writes nothing (its renew deadline has
// passed, so it stops leading, and KubeClient's write guard refuses any write already under way) —
// `agentarmy_api_writes_total` of A is the witness.
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

const ns = uniqueNamespace('paused');
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
    '--log-level=info',
  ]);
  procs.push(p);
  return p;
}

const holder = async () =>
  (await kubectl(['get', 'lease', 'agent-army-operator', '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}']))
    .stdout || undefined;

/** Writes the process made, by kind, Lease excluded (what fencing is about). */
async function writesOf(p: ServiceProcess): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('agentarmy_api_writes_total{') && !l.includes('kind="Lease"'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

const armyReadyAt = async (version: string) => {
  const r = await kubectl(['get', 'agentarmy', 'support', '-n', ns, '-o', 'json']);
  if (r.code !== 0) return undefined;
  const a = JSON.parse(r.stdout) as { status?: { phase?: string; agents?: { stableVersion?: string }[] } };
  return a.status?.phase === 'Ready' && a.status.agents?.[0]?.stableVersion === version ? true : undefined;
};

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
  for (const p of procs) {
    process.kill(p.pid, 'SIGCONT');
    await p.stop('SIGKILL').catch(() => undefined);
  }
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('a leader paused past its lease', () => {
  it('writes nothing after it resumes while another replica holds the lease', {
    timeout: 180_000,
  }, async () => {
    const a = await startOperator('replica-a');
    await eventually('replica-a to lead', async () => ((await holder()) === 'replica-a' ? true : undefined));
    const b = await startOperator('replica-b');
    await kubectlOk(['apply', '-f', '-'], {
      input: army(ns, [{ name: 'orchestrator', version: 'orch-v1' }]),
    });
    await eventually('army Ready at orch-v1 (replica-a leading)', () => armyReadyAt('orch-v1'));

    process.kill(a.pid, 'SIGSTOP');
    await eventually(
      'replica-b to take the lease',
      async () => ((await holder()) === 'replica-b' ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    // B is paused too, so nobody acts on the change below before A resumes with it in its queue.
    process.kill(b.pid, 'SIGSTOP');
    await kubectlOk(['apply', '-f', '-'], {
      input: army(ns, [{ name: 'orchestrator', version: 'orch-v11' }]),
    });
    const before = await (async () => {
      process.kill(a.pid, 'SIGCONT');
      return writesOf(a);
    })();
    // A's watch delivers the change at once and its worker reconciles it, still believing it leads;
    // B's lease is still valid for a few seconds.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await writesOf(a);
    const stillB = await holder();
    process.kill(b.pid, 'SIGCONT');
    expect(stillB).toBe('replica-b');
    expect(after - before).toBe(0);
    // A stopped leading on resume (its renew deadline had passed) before acting on anything; a write
    // already in flight would have been refused unsent by the write guard (kube/api-client.test.ts).
    const stopped = a.logLines().some((l) => l.msg === 'lost leadership; stopping work');
    process.stderr.write(
      `[paused-leader] writes by the resumed replica while another held the lease: ${after - before}; it stopped leading: ${stopped}\n`,
    );
    expect(stopped).toBe(true);
    // Work goes on under whoever holds the lease.
    await eventually('army Ready at orch-v11', () => armyReadyAt('orch-v11'), { timeoutMs: 90_000 });
  });
});

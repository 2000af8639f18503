// Two managers in one process compete for one Lease on the real API server: exactly one leads and
// reconciles; when it shuts down it releases the Lease and the other takes over promptly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manager } from '../../operator/src/kube/manager.js';
import { eventually, kubectl, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import { MirrorReconciler, reconcileCount, testConfig } from './support.js';

const ns = uniqueNamespace('rt-leader');
const managers: Manager[] = [];

function manager(identity: string): Manager {
  const config = testConfig(ns, [
    '--leader-elect=true',
    `--leader-election-namespace=${ns}`,
    '--leader-election-id=test-lease',
    '--lease-duration=4s',
    '--renew-deadline=3s',
    '--retry-period=500ms',
    `--identity=${identity}`,
  ]);
  const m = new Manager({ config, serveHttp: false });
  new MirrorReconciler(m).register();
  managers.push(m);
  return m;
}

async function holder(): Promise<string | undefined> {
  const r = await kubectl(['get', 'lease', 'test-lease', '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}']);
  return r.code === 0 ? r.stdout : undefined;
}

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  await kubectlOk(['create', 'configmap', 'p1', '-n', ns, '--from-literal=v=one']);
  await kubectlOk(['label', 'configmap', 'p1', '-n', ns, 'role=parent']);
});

afterAll(async () => {
  await Promise.all(managers.map((m) => m.stop()));
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('leader election (real API server)', () => {
  it('exactly one of two managers leads and only the leader reconciles', async () => {
    const a = manager('replica-a');
    const b = manager('replica-b');
    await Promise.all([a.start(), b.start()]);
    const leaderName = await eventually('a lease holder', async () => (await holder()) || undefined);
    await eventually('child created by the leader', async () =>
      (await kubectl(['get', 'configmap', 'p1-child', '-n', ns])).code === 0 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const [leader, follower] = leaderName === 'replica-a' ? [a, b] : [b, a];
    expect([leader.isLeader, follower.isLeader]).toEqual([true, false]);
    expect(await reconcileCount(leader)).toBeGreaterThan(0);
    expect(await reconcileCount(follower)).toBe(0);
    expect(await leader.metrics.registry.metrics()).toContain(
      'leader_election_master_status{name="test-lease"} 1',
    );
    expect(await follower.metrics.registry.metrics()).toContain(
      'leader_election_master_status{name="test-lease"} 0',
    );
    expect(follower.notReadyReason()).toBeUndefined();
  });

  it('the follower takes over soon after the leader shuts down and releases the Lease', async () => {
    const leaderName = (await holder())!;
    const [leader, follower] = managers[0]!.isLeader
      ? [managers[0]!, managers[1]!]
      : [managers[1]!, managers[0]!];
    const stoppedAt = Date.now();
    await leader.stop();
    expect(leader.isLeader).toBe(false);
    const next = await eventually('new holder', async () => {
      const h = await holder();
      return h && h !== leaderName ? h : undefined;
    });
    // Released, so no need to wait out the 4 s lease duration.
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(next).not.toBe(leaderName);
    await eventually('follower leads', async () => (follower.isLeader ? true : undefined));
    await kubectlOk(['delete', 'configmap', 'p1-child', '-n', ns]);
    await eventually('new leader reconciles', async () =>
      (await kubectl(['get', 'configmap', 'p1-child', '-n', ns])).code === 0 ? true : undefined,
    );
  });
});

// Lockstep releases on the real control plane with a real Prometheus: two CanaryReleases of one army in
// the same spec.lockstep group (agents orchestrator and retriever), driven by the operator as a real
// process that is SIGKILLed after every change of either member's phase or step. The members move step
// by step together (never more than one step apart, also across restarts) and both promote; a version
// whose analysis fails on one member rolls both back, the other naming it; members with different step
// counts hold with a LockstepInvalid condition and Event naming spec.steps.

import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import type { SimulatedTrack } from '../analysis/metrics-target.js';
import { agentVersion } from '../army/fixtures.js';
import {
  applyManifest,
  eventually,
  getObject,
  kubeconfigPath,
  kubectlOk,
  repoRoot,
  run,
  uniqueNamespace,
} from '../support/cluster.js';
import { type DeliveryWorld, startDeliveryWorld } from '../support/delivery.js';
import { type ServiceProcess, spawnOperator } from '../support/processes.js';

const ns = uniqueNamespace('lockstep');
const MEMBERS = ['orchestrator', 'retriever'] as const;
let world: DeliveryWorld | undefined;
let operator: ServiceProcess | undefined;
let kills = 0;

type Release = CanaryRelease;
type Deployment = V1Deployment;
const get = <T>(what: string) => getObject<T>(ns, what);

const STEPS = [
  { setWeight: 25 },
  { pause: { duration: '2s' } },
  { analysis: {} },
  { setWeight: 50 },
  { setWeight: 100 },
];

function track(agent: string, version: string, t: string, error: number): SimulatedTrack {
  const shares = { error };
  return { namespace: ns, agent, version, track: t, rps: 20, shares, latency: 0.2, costPerSuccess: 0.001 };
}

function army(versions: { orchestrator: string; retriever: string }) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name: 'support', namespace: ns },
    spec: {
      agents: MEMBERS.map((name) => ({
        name,
        version: versions[name],
        replicas: 4,
        strategy: { type: 'Canary', canary: { canaryReleaseRef: { name } } },
      })),
    },
  };
}

function release(agent: string, steps: unknown[] = STEPS) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name: agent, namespace: ns },
    spec: {
      targetRef: { army: 'support', agent },
      lockstep: { group: 'support-release' },
      steps,
      analysis: {
        provider: { prometheus: { address: world?.prom.url, timeout: '5s' } },
        interval: '1s',
        count: 2,
        window: '10s',
        minSampleSize: 5,
        maxErrorRate: 0.05,
      },
    },
  };
}

function startOperator(): Promise<ServiceProcess> {
  return spawnOperator(`lockstep-operator-${kills}`, [
    `--kubeconfig=${kubeconfigPath}`,
    `--namespaces=${ns}`,
    '--leader-elect=false',
    '--log-level=warn',
  ]);
}

async function killAndRestart(): Promise<void> {
  await operator?.stop('SIGKILL');
  kills++;
  operator = await startOperator();
}

const active = (r: Release | undefined) =>
  r?.status?.phase === 'Progressing' || r?.status?.phase === 'Paused';

/**
 * Follows both members until `done`, SIGKILLing the operator after every change of either one's phase or
 * step. Every poll checks that two members in a release are at most one step apart. Returns the states.
 */
async function followKilling(done: (rs: Release[]) => boolean, kill = true): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + 170_000;
  for (;;) {
    const rs = await Promise.all(MEMBERS.map((m) => get<Release>(`canaryrelease/${m}`)));
    const state = rs
      .map((r, i) => `${MEMBERS[i]}:${r?.status?.phase ?? 'Idle'}@${r?.status?.currentStepIndex ?? 0}`)
      .join(' ');
    const steps = rs.filter(active).map((r) => r?.status?.currentStepIndex ?? 0);
    if (steps.length === 2)
      expect(
        Math.abs((steps[0] ?? 0) - (steps[1] ?? 0)),
        `${state}; before: ${seen.join(' → ')}`,
      ).toBeLessThanOrEqual(1);
    const finished = rs.every((r) => r !== undefined) && done(rs as Release[]);
    if (state !== seen.at(-1)) {
      seen.push(state);
      if (finished) return seen;
      if (kill) await killAndRestart();
    } else if (finished) return seen;
    if (Date.now() > deadline) throw new Error(`the group did not finish; states ${seen.join(' → ')}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** Events of CanaryRelease `name` with `reason`. */
async function events(name: string, reason: string) {
  const out = await kubectlOk([
    'get',
    'events',
    '-n',
    ns,
    '--field-selector',
    `reason=${reason},involvedObject.kind=CanaryRelease,involvedObject.name=${name}`,
    '-o',
    'json',
  ]);
  return (JSON.parse(out) as { items: { type: string; message: string; count?: number }[] }).items;
}

beforeAll(async () => {
  world = await startDeliveryWorld(
    ns,
    [
      track('orchestrator', '1.0.0', 'stable', 0.01),
      track('orchestrator', '1.1.0', 'canary', 0.01),
      track('orchestrator', '1.2.0', 'canary', 0.01),
      track('retriever', '2.0.0', 'stable', 0.01),
      track('retriever', '2.1.0', 'canary', 0.01),
      track('retriever', '2.2.0', 'canary', 0.3),
    ],
    '10s',
  );
  for (const [name, v] of [
    ['orch-v1', '1.0.0'],
    ['orch-v11', '1.1.0'],
    ['orch-v12', '1.2.0'],
    ['orch-v13', '1.3.0'],
  ] as const)
    await applyManifest(agentVersion(ns, name, v));
  for (const [name, v] of [
    ['retr-v2', '2.0.0'],
    ['retr-v21', '2.1.0'],
    ['retr-v22', '2.2.0'],
    ['retr-v23', '2.3.0'],
  ] as const)
    await applyManifest(agentVersion(ns, name, v, { agent: 'retriever' }));
  for (const m of MEMBERS) await applyManifest(release(m));
  operator = await startOperator();
  await applyManifest(army({ orchestrator: 'orch-v1', retriever: 'retr-v2' }));
  await kubectlOk(['wait', 'agentarmy/support', '-n', ns, '--for=condition=Ready', '--timeout=90s']);
}, 180_000);

afterAll(async () => {
  await operator?.stop('SIGKILL').catch(() => undefined);
  await world?.close({ keepNamespace: Boolean(process.env.KEEP_NS) });
});

describe('lockstep group of two releases, the operator SIGKILLed after every transition', () => {
  it('advances both members step by step together and promotes both', async () => {
    const killsBefore = kills;
    await applyManifest(army({ orchestrator: 'orch-v11', retriever: 'retr-v21' }));
    const seen = await followKilling((rs) => rs.every((r) => r.status?.phase === 'Promoted'));
    process.stderr.write(
      `[lockstep] ${kills - killsBefore} operator SIGKILLs, one per state change; states ${seen.join(' → ')}\n`,
    );
    expect(kills - killsBefore, seen.join(' → ')).toBeGreaterThanOrEqual(4);
    for (const m of MEMBERS) {
      const r = await get<Release>(`canaryrelease/${m}`);
      expect(r?.status?.group).toMatchObject({ name: 'support-release', members: [...MEMBERS] });
      expect(r?.status?.group?.waitingFor).toBeUndefined();
      // Each step completed once per member, whatever the kills (an Event may be lost, never doubled).
      const completed = (await events(m, 'StepCompleted')).map((e) => e.message);
      expect(completed.length, completed.join('\n')).toBe(new Set(completed).size);
      expect(completed.length).toBeLessThanOrEqual(STEPS.length);
    }
    await stablesAt('both stable tracks on the new versions, canaries at zero');
  }, 240_000);

  it('rolls both members back when the analysis of one fails, the other naming it', async () => {
    await applyManifest(army({ orchestrator: 'orch-v12', retriever: 'retr-v22' }));
    const seen = await followKilling((rs) => rs.every((r) => r.status?.phase === 'RolledBack'), false);
    const retr = await get<Release>('canaryrelease/retriever');
    const orch = await get<Release>('canaryrelease/orchestrator');
    expect(retr?.status?.message, seen.join(' → ')).toMatch(/^AnalysisFailed/);
    expect(orch?.status?.message).toMatch(
      /^GroupRolledBack: lockstep group support-release: member retriever/,
    );
    expect(orch?.status?.rolledBackVersion).toBe('orch-v12');
    const rolledBack = await events('orchestrator', 'RolledBack');
    expect(rolledBack.at(-1)?.type).toBe('Warning');
    expect(rolledBack.at(-1)?.message).toMatch(
      /member retriever \(agent retriever\) rolled back: AnalysisFailed/,
    );
    await stablesAt('both canaries at zero, both stables on the promoted versions');
  }, 200_000);

  it('kubectl agentarmy: promote on one member holds at the barrier; promote --group moves the group', async () => {
    const plugin = (args: string[]) =>
      run(process.execPath, [
        join(repoRoot, 'operator/bin/kubectl-agentarmy.js'),
        ...args,
        '-n',
        ns,
        `--kubeconfig=${kubeconfigPath}`,
      ]);
    const manual = [{ setWeight: 25 }, { pause: {} }, { setWeight: 100 }];
    for (const m of MEMBERS) await applyManifest(release(m, manual));
    await applyManifest(army({ orchestrator: 'orch-v13', retriever: 'retr-v23' }));
    await followKilling(
      (rs) => rs.every((r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1),
      false,
    );

    const one = await plugin(['promote', 'orchestrator']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/Applied/);
    const waiting = await eventually('orchestrator waits for retriever at step 2', async () => {
      const r = await get<Release>('canaryrelease/orchestrator');
      return r?.status?.group?.waitingFor?.includes('retriever') ? r : undefined;
    });
    expect(waiting.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 1, canaryWeight: 25 });
    const shown = await plugin(['status', 'orchestrator', '--group']);
    expect(shown.stdout).toContain(
      'lockstep group support-release (orchestrator, retriever): step 2/3; waiting for retriever',
    );
    // The barrier holds: several operator passes later orchestrator is still at step 2 (index 1).
    await new Promise((res) => setTimeout(res, 3000));
    expect((await get<Release>('canaryrelease/orchestrator'))?.status?.currentStepIndex).toBe(1);

    const group = await plugin(['promote', 'orchestrator', '--group']);
    expect(group.code, group.stderr).toBe(0);
    expect(group.stdout).toMatch(/orchestrator: Ignored: step 2\/3 \(pause until promoted\) is completed/);
    expect(group.stdout).toMatch(/retriever: Applied/);
    await followKilling(
      (rs) => rs.every((r) => r.status?.phase === 'Promoted' && r.status.toVersion?.endsWith('3')),
      false,
    );
  }, 150_000);

  it('holds members with different step counts: LockstepInvalid condition and Event naming spec.steps', async () => {
    await applyManifest(release('retriever', STEPS.slice(0, 2)));
    for (const m of MEMBERS) {
      const r = await eventually(`${m} Ready=False LockstepInvalid`, async () => {
        const x = await get<Release>(`canaryrelease/${m}`);
        const ready = x?.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.reason === 'LockstepInvalid' ? ready : undefined;
      });
      expect(r.status).toBe('False');
      expect(r.message).toMatch(/^spec\.steps: .*same number of steps \(orchestrator: 3, retriever: 2\)/);
      const warned = await eventually(`${m} LockstepInvalid Event`, async () => {
        const e = await events(m, 'LockstepInvalid');
        return e.length > 0 ? e : undefined;
      });
      expect(warned[0]?.type).toBe('Warning');
    }
  });
});

/** Waits until both stables run the promoted versions (1.1.0, 2.1.0) and both canaries are scaled to zero. */
function stablesAt(what: string) {
  return eventually(what, async () => {
    const ok = await Promise.all(
      (
        [
          ['orchestrator', '1.1.0'],
          ['retriever', '2.1.0'],
        ] as const
      ).map(async ([agent, v]) => {
        const stable = await get<Deployment>(`deployment/support-${agent}`);
        const canary = await get<Deployment>(`deployment/support-${agent}-canary`);
        return (
          stable?.metadata?.labels?.['agentarmy.dev/version'] === v && (canary?.spec?.replicas ?? 0) === 0
        );
      }),
    );
    return ok.every(Boolean) ? true : undefined;
  });
}

// A canary release driven from Git through a real Argo CD: the army, its AgentVersions and its
// CanaryRelease live in a local git repository; a commit changes the army's version, Argo CD syncs it, the
// operator (in this process, with a real Prometheus over simulated tracks) runs the release. Argo CD shows
// each stage with the project's health checks (Progressing, Suspended for a human, Degraded after a
// rollback, Healthy after promotion), and stays Synced throughout: the operator's status writes, the
// kubectl plugin's promote/abort/retry and the rollback change nothing Argo CD compares, and Argo CD syncs
// exactly once per commit.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion } from '../army/fixtures.js';
import { eventually, getObject, kubeconfigPath, repoRoot, run, uniqueNamespace } from '../support/cluster.js';
import {
  canaryArmy,
  canaryRelease,
  type DeliveryWorld,
  simulatedTrack,
  startDeliveryWorld,
  startOperatorInProcess,
} from '../support/delivery.js';
import {
  createApplication,
  getApplication,
  gitApplication,
  recordApplication,
  refresh,
  type Sample,
  syncsRecorded,
  syncsStarted,
  waitSyncedHealthy,
} from './applications.js';
import { type ArgoCd, startArgoCd } from './argocd-harness.js';

const ns = uniqueNamespace('gitops-canary');
const app = 'support';
const dir = 'gitops/support';
let argo: ArgoCd;
let world: DeliveryWorld | undefined;
let mgr: Manager | undefined;

type Release = CanaryRelease;

const release = () => getObject<Release>(ns, 'canaryrelease/orchestrator');
const plugin = (...args: string[]) =>
  run(process.execPath, [
    join(repoRoot, 'operator/bin/kubectl-agentarmy.js'),
    ...args,
    '-n',
    ns,
    `--kubeconfig=${kubeconfigPath}`,
  ]);
async function agentarmy(...args: string[]): Promise<string> {
  const r = await plugin(...args);
  expect(r.code, `kubectl agentarmy ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

function releaseUntil(what: string, pred: (r: Release) => boolean, timeoutMs = 90_000) {
  let last: Release | undefined;
  return eventually(
    what,
    async () => {
      last = await release();
      return last && pred(last) ? last : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; last release status ${JSON.stringify(last?.status)}`);
  });
}
/** The army and its release both showing `health` in Argo CD. */
const both = (health: string) => ({ 'AgentArmy/support': health, 'CanaryRelease/orchestrator': health });
const pausedForHuman = (r: Release) => r.status?.phase === 'Paused' && r.status.pauseReason === 'Step';

/** Commits the army at `version` and has Argo CD pick it up now (what a Git webhook would do). */
async function commitVersion(version: string): Promise<string> {
  const sha = await argo.repo.commit(
    { [`${dir}/army.yaml`]: stringify(canaryArmy(ns, version)) },
    `support: ${version}`,
  );
  await refresh(argo, app);
  return sha;
}

/** Whether `expected` appears in `seq` in this order (other values may come between). */
function inOrder(seq: string[], expected: string[]): boolean {
  let i = 0;
  for (const v of seq) if (v === expected[i]) i++;
  return i === expected.length;
}

/** What Argo CD showed after it synced `sha`: every sample Synced with no resource out of sync. */
function afterSync(rec: ReturnType<typeof recordApplication>, sha: string) {
  const first = rec.samples.findIndex((s) => s.revision === sha && s.sync === 'Synced');
  expect(first, `Argo CD never showed ${sha.slice(0, 7)} Synced`).toBeGreaterThanOrEqual(0);
  return rec.samples.slice(first);
}

beforeAll(async () => {
  const track = (version: string, t: string, error: number) => simulatedTrack(ns, version, t, error);
  world = await startDeliveryWorld(
    ns,
    [track('1.0.0', 'stable', 0.01), track('1.1.0', 'canary', 0.3), track('1.2.0', 'canary', 0.01)],
    '15s',
  );
  argo = await startArgoCd({ reconciliation: '5s' });
  mgr = startOperatorInProcess([ns]);
  const flaky = { model: { name: 'flaky-model', apiKeySecretRef: { name: 'llm', key: 'api-key' } } };
  const sha = await argo.repo.commit(
    {
      [`${dir}/versions.yaml`]: [
        agentVersion(ns, 'orch-v1', '1.0.0'),
        agentVersion(ns, 'orch-v11', '1.1.0', flaky),
        agentVersion(ns, 'orch-v12', '1.2.0'),
      ].join('---\n'),
      [`${dir}/release.yaml`]: stringify(
        canaryRelease(ns, {
          steps: [
            { setWeight: 10 },
            { pause: {} },
            { analysis: {} },
            { setWeight: 50 },
            { analysis: {} },
            { setWeight: 100 },
          ],
          analysis: {
            provider: { prometheus: { address: world.prom.url, timeout: '5s' } },
            // 3 s apart and one failure tolerated, so a bad version stays Progressing for two measurements
            // (at least 3 s) after the promote: long enough for Argo CD to show it between Suspended and Degraded.
            interval: '3s',
            count: 2,
            failureLimit: 1,
            window: '15s',
            minSampleSize: 20,
            maxErrorRate: 0.05,
          },
          progressDeadlineSeconds: 60,
        }),
      ),
      [`${dir}/army.yaml`]: stringify(canaryArmy(ns, 'orch-v1')),
    },
    'support army at orch-v1 with its canary release',
  );
  await createApplication(gitApplication(argo, app, dir, ns));
  await waitSyncedHealthy(argo, app, { revision: sha, timeoutMs: 120_000 });
}, 240_000);

afterAll(async () => {
  await argo?.stop();
  await mgr?.stop();
  await world?.close();
});

describe('a canary release driven from Git, watched by Argo CD', () => {
  it('rolls a bad version back: Progressing, Suspended for a human, Degraded after the rollback; Synced throughout, one sync', async () => {
    const before = await getApplication(argo, app);
    const started = await syncsStarted(argo, app);
    const rec = recordApplication(argo, app);
    const sha = await commitVersion('orch-v11');
    await releaseUntil('release paused for a human at 10%', pausedForHuman);
    await waitSyncedHealthy(argo, app, { revision: sha, health: 'Suspended', resources: both('Suspended') });

    expect(await agentarmy('promote', 'orchestrator')).toMatch(/Applied/);
    await releaseUntil('RolledBack', (r) => r.status?.phase === 'RolledBack');
    await waitSyncedHealthy(argo, app, { revision: sha, health: 'Degraded', resources: both('Degraded') });
    await rec.stop();

    const seen = afterSync(rec, sha);
    expect(seen.filter((s) => s.sync !== 'Synced' || s.outOfSync.length > 0)).toEqual([]);
    // What Argo CD showed for the army and the whole Application, in order (other states may come between).
    for (const pick of [(s: Sample) => s.resources['AgentArmy/support'], (s: Sample) => s.health])
      expect(
        inOrder(rec.sequence(pick), ['Healthy', 'Progressing', 'Suspended', 'Progressing', 'Degraded']),
      ).toBe(true);
    const after = await getApplication(argo, app);
    expect(syncsRecorded(after)).toBe(syncsRecorded(before) + 1);
    expect(await syncsStarted(argo, app)).toEqual([
      ...started,
      expect.stringContaining(`automated sync to '${sha}'`),
    ]);
  });

  it('promotes a good version after an abort and a retry: Suspended, Degraded, Progressing, Healthy; Synced throughout, one sync', async () => {
    const before = await getApplication(argo, app);
    const started = await syncsStarted(argo, app);
    const rec = recordApplication(argo, app);
    const sha = await commitVersion('orch-v12');
    await releaseUntil(
      'orch-v12 paused for a human',
      (r) => pausedForHuman(r) && r.status?.toVersion === 'orch-v12',
    );
    await waitSyncedHealthy(argo, app, { revision: sha, health: 'Suspended' });
    expect(await agentarmy('abort', 'orchestrator')).toMatch(/Applied/);
    await releaseUntil('aborted', (r) => r.status?.phase === 'RolledBack');
    await waitSyncedHealthy(argo, app, { revision: sha, health: 'Degraded' });

    expect(await agentarmy('retry', 'orchestrator')).toMatch(/Applied/);
    await releaseUntil('orch-v12 paused for a human again', pausedForHuman);
    await waitSyncedHealthy(argo, app, { revision: sha, health: 'Suspended' });
    expect(await agentarmy('promote', 'orchestrator')).toMatch(/Applied/);
    await releaseUntil('Promoted', (r) => r.status?.phase === 'Promoted', 150_000);
    await waitSyncedHealthy(argo, app, { revision: sha, health: 'Healthy', resources: both('Healthy') });
    await rec.stop();

    const seen = afterSync(rec, sha);
    expect(seen.filter((s) => s.sync !== 'Synced' || s.outOfSync.length > 0)).toEqual([]);
    for (const pick of [(s: Sample) => s.resources['AgentArmy/support'], (s: Sample) => s.health]) {
      const seq = rec.sequence(pick);
      expect(
        inOrder(seq, ['Suspended', 'Degraded', 'Suspended', 'Progressing', 'Healthy']),
        seq.join(' → '),
      ).toBe(true);
    }
    const after = await getApplication(argo, app);
    expect(syncsRecorded(after)).toBe(syncsRecorded(before) + 1);
    expect(await syncsStarted(argo, app)).toEqual([
      ...started,
      expect.stringContaining(`automated sync to '${sha}'`),
    ]);
  });
});

// A real Argo CD (argocd-repo-server, argocd-application-controller and Redis as processes) syncs this
// repository's chart and examples from a local git server into the test cluster while the operator runs:
// the Applications of examples/argocd-application.yaml become Synced/Healthy; a hand edit of a child the
// operator owns is reverted by the operator without Argo CD syncing anything (and a hand edit of a Git
// object is healed by Argo CD once, the operator following); removing an army whose release is in flight
// from Git prunes it and everything it owned, while the other army on the same versions keeps serving.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { eventually, getObject, kubectl, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import { startOperatorInProcess } from '../support/delivery.js';
import {
  createApplication,
  exampleApplications,
  getApplication,
  gitApplication,
  outOfSync,
  recordApplication,
  refresh,
  resourceHealth,
  syncsRecorded,
  syncsStarted,
  waitSyncedHealthy,
} from './applications.js';
import { type ArgoCd, startArgoCd } from './argocd-harness.js';

const ns = {
  chart: uniqueNamespace('gitops-chart'),
  example: uniqueNamespace('gitops-example'),
  armies: uniqueNamespace('gitops-armies'),
};
const RECONCILIATION_S = 5;
let argo: ArgoCd;
let mgr: Manager | undefined;

type Deployment = V1Deployment;
type Slice = {
  metadata: { labels?: Record<string, string> };
  endpoints?: { conditions?: { ready?: boolean }; targetRef?: { name: string } }[];
};
type Release = CanaryRelease;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const deployment = (namespace: string, name: string) =>
  getObject<Deployment>(namespace, `deployment/${name}`);

beforeAll(async () => {
  argo = await startArgoCd({ reconciliation: `${RECONCILIATION_S}s` });
  mgr = startOperatorInProcess([ns.example, ns.armies]);
  for (const app of exampleApplications(argo, {
    'agent-army-operator': ns.chart,
    'agent-army-example': ns.example,
  }))
    await createApplication(app);
}, 180_000);

afterAll(async () => {
  await argo?.stop();
  await mgr?.stop();
  for (const n of Object.values(ns)) await kubectl(['delete', 'namespace', n, '--wait=false']);
  // The chart's cluster-scoped objects (its CRDs stay: every other test uses them).
  await kubectl([
    'delete',
    'clusterrole,clusterrolebinding,validatingadmissionpolicy,validatingadmissionpolicybinding',
    '-l',
    'app.kubernetes.io/instance=agent-army',
  ]);
});

describe('Argo CD syncs the examples from Git', () => {
  it('the chart and the example army become Synced and Healthy, every resource with no diff', async () => {
    const chart = await waitSyncedHealthy(argo, 'agent-army-operator', { timeoutMs: 180_000 });
    expect(outOfSync(chart)).toEqual([]);
    expect(resourceHealth(chart, 'Deployment', 'agent-army')).toBe('Healthy');
    const kinds = new Set(chart.status?.resources?.map((r) => r.kind));
    expect([...kinds]).toEqual(
      expect.arrayContaining(['CustomResourceDefinition', 'ClusterRole', 'Deployment']),
    );

    const example = await waitSyncedHealthy(argo, 'agent-army-example', { timeoutMs: 180_000 });
    expect(outOfSync(example)).toEqual([]);
    expect(resourceHealth(example, 'AgentArmy', 'support')).toBe('Healthy');
    for (const v of ['orchestrator-v1.0.0', 'orchestrator-v1.1.0', 'researcher-v1.0.0'])
      expect(resourceHealth(example, 'AgentVersion', v), v).toBe('Healthy');
    const army = example.status?.resources?.find((r) => r.kind === 'AgentArmy');
    expect(army?.health?.message).toBe('AllAgentsReady: 1 agents ready');
    // Argo CD manages what is in Git; the operator's children are not in its managed resources.
    expect(example.status?.resources?.map((r) => r.kind)).not.toContain('Deployment');
    const dep = await deployment(ns.example, 'support-orchestrator');
    expect(dep?.status?.readyReplicas).toBe(3);
    expect(Object.keys(dep?.metadata?.annotations ?? {}).filter((k) => k.startsWith('argocd.'))).toEqual([]);
  });

  it('self-heal on: a hand edit of a Deployment the operator owns is reverted by the operator, Argo CD syncs nothing', async () => {
    const app = 'agent-army-example';
    const before = await getApplication(argo, app);
    const started = await syncsStarted(argo, app);
    const rec = recordApplication(argo, app);
    await kubectlOk(['scale', 'deployment/support-orchestrator', '-n', ns.example, '--replicas=1']);
    await eventually('the operator scales support-orchestrator back to 3', async () => {
      const d = await deployment(ns.example, 'support-orchestrator');
      return d?.spec?.replicas === 3 && d.status?.readyReplicas === 3 ? d : undefined;
    });
    // Argo CD compares again on every change of a watched object and every reconciliation period.
    await sleep(2 * RECONCILIATION_S * 1000);
    await rec.stop();
    const after = await getApplication(argo, app);
    expect(rec.samples.length).toBeGreaterThan(10);
    expect(rec.samples.filter((s) => s.sync !== 'Synced' || s.outOfSync.length > 0)).toEqual([]);
    expect(syncsRecorded(after)).toBe(syncsRecorded(before));
    expect(after.status?.operationState?.startedAt).toBe(before.status?.operationState?.startedAt);
    expect(await syncsStarted(argo, app)).toEqual(started);
  });

  it('self-heal on: a hand edit of the army in the cluster is healed by Argo CD with one sync, and the operator follows', async () => {
    const app = 'agent-army-example';
    const before = await getApplication(argo, app);
    const started = await syncsStarted(argo, app);
    await kubectlOk([
      'patch',
      'agentarmy/support',
      '-n',
      ns.example,
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/agents/0/replicas","value":5}]',
    ]);
    const lastOp = before.status?.operationState?.startedAt;
    const healed = await eventually(
      'Argo CD to heal the army (a self-heal sync)',
      async () => {
        const a = await getApplication(argo, app);
        const op = a.status?.operationState;
        return op?.startedAt !== lastOp && op?.phase === 'Succeeded' && a.status?.sync?.status === 'Synced'
          ? a
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const army = await getObject<{ spec: { agents: { replicas: number }[] } }>(
      ns.example,
      'agentarmy/support',
    );
    expect(army?.spec.agents[0]?.replicas).toBe(3);
    await eventually('support-orchestrator at 3 ready replicas', async () => {
      const d = await deployment(ns.example, 'support-orchestrator');
      return d?.spec?.replicas === 3 && d.status?.readyReplicas === 3 ? d : undefined;
    });
    // The operator's writes after the heal (children, status) start no other sync: no loop.
    await sleep(2 * RECONCILIATION_S * 1000);
    const after = await getApplication(argo, app);
    expect(after.status?.operationState?.startedAt).toBe(healed.status?.operationState?.startedAt);
    expect(await syncsStarted(argo, app)).toEqual([
      ...started,
      expect.stringContaining('Initiated automated sync'),
    ]);
    expect(after.status?.sync?.status).toBe('Synced');
    expect(outOfSync(after)).toEqual([]);
  });
});

describe('Argo CD prunes an army removed from Git', () => {
  const app = 'armies';
  const canaryFile = 'examples/canary-error-rate.yaml';

  it('deletes the army, its release in flight and every child, while the other army keeps its running version', async () => {
    // Both example armies from the same AgentVersions; support-canary's release paused at 10% for a human.
    const armies = gitApplication(argo, app, 'examples', ns.armies);
    armies.spec.source.directory = {
      include: '{agent-version.yaml,minimal-army.yaml,canary-error-rate.yaml}',
    };
    await createApplication(armies);
    await waitSyncedHealthy(argo, app, { timeoutMs: 120_000 });
    const text = readFileSync(join(argo.repo.dir, canaryFile), 'utf8');
    const upgrade = await argo.repo.commit(
      { [canaryFile]: text.replace('version: orchestrator-v1.0.0', 'version: orchestrator-v1.1.0') },
      'support-canary: release orchestrator-v1.1.0',
    );
    await refresh(argo, app);
    await eventually(
      'the release paused at 10% with a ready canary pod',
      async () => {
        const r = await getObject<Release>(ns.armies, 'canaryrelease/orchestrator');
        const c = await deployment(ns.armies, 'support-canary-orchestrator-canary');
        return r?.status?.phase === 'Paused' && r.status.canaryWeight === 10 && c?.status?.readyReplicas === 1
          ? true
          : undefined;
      },
      { timeoutMs: 90_000 },
    );
    // Argo CD shows the army waiting for a human: Suspended, like its release.
    await waitSyncedHealthy(argo, app, {
      revision: upgrade,
      health: 'Suspended',
      resources: {
        'AgentArmy/support-canary': 'Suspended',
        'CanaryRelease/orchestrator': 'Suspended',
        'AgentArmy/support': 'Healthy',
      },
    });
    const other = (await deployment(ns.armies, 'support-orchestrator'))!;

    const removal = await argo.repo.commit({ [canaryFile]: null }, 'remove the support-canary army');
    await refresh(argo, app);
    const pruned = await waitSyncedHealthy(argo, app, { revision: removal });
    expect(pruned.status?.resources?.map((r) => `${r.kind}/${r.name}`)).not.toEqual(
      expect.arrayContaining(['AgentArmy/support-canary']),
    );
    const gone = async () => {
      const r = await kubectl([
        'get',
        'agentarmy,canaryrelease,deployment,service,pdb,pod',
        '-n',
        ns.armies,
        '-l',
        'agentarmy.dev/army=support-canary',
        '-o',
        'name',
      ]);
      const named = await kubectl([
        'get',
        'agentarmy/support-canary',
        'canaryrelease/orchestrator',
        '-n',
        ns.armies,
      ]);
      return r.stdout.trim() === '' && named.code !== 0 ? true : undefined;
    };
    await eventually('support-canary and everything it owned deleted', gone, { timeoutMs: 60_000 });
    // Nothing comes back: the operator does not recreate children of a deleted army.
    await sleep(2 * RECONCILIATION_S * 1000);
    expect(await gone()).toBe(true);

    // The other army on the same versions keeps serving its running version, untouched.
    const still = (await deployment(ns.armies, 'support-orchestrator'))!;
    expect(still.metadata?.uid).toBe(other.metadata?.uid);
    expect(still.metadata?.generation).toBe(other.metadata?.generation);
    expect(still.status?.readyReplicas).toBe(3);
    await kubectlOk(['get', 'configmap/orchestrator-v1.0.0-agent-config', '-n', ns.armies]);
    // Traffic: the Service of support sends to its 3 ready pods, all of the running version; the pruned
    // army's Services have no endpoints left anywhere (none of its canary pods is served).
    const slices = JSON.parse(await kubectlOk(['get', 'endpointslices', '-n', ns.armies, '-o', 'json'])) as {
      items: Slice[];
    };
    const served = (svc: string) =>
      slices.items
        .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc)
        .flatMap((s) => s.endpoints ?? [])
        .filter((e) => e.conditions?.ready);
    expect(served('support-orchestrator')).toHaveLength(3);
    for (const e of served('support-orchestrator')) {
      const pod = await getObject<{ metadata: { labels: Record<string, string> } }>(
        ns.armies,
        `pod/${e.targetRef?.name}`,
      );
      expect(pod?.metadata.labels['agentarmy.dev/version']).toBe('1.0.0');
    }
    expect(
      slices.items.filter((s) =>
        s.metadata.labels?.['kubernetes.io/service-name']?.startsWith('support-canary'),
      ),
    ).toEqual([]);
    const final = await getApplication(argo, app);
    expect(outOfSync(final)).toEqual([]);
    expect(resourceHealth(final, 'AgentArmy', 'support')).toBe('Healthy');
  });
});

// The reconciler's writes for a new army, at the unit's edge: informer caches are plain stores and the
// API client records each request and answers it a tick later (the integration tests in test/army/ run
// the same reconciler against a real apiserver).
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AgentVersion } from '../../api/v1alpha1/index.js';
import type { RequestOptions } from '../../kube/api-client.js';
import { EventRecorder } from '../../kube/events.js';
import type { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/resource.js';
import { StatusEchoes } from '../../kube/status-echoes.js';
import { byOwnerUid, ownerUidIndex, Store } from '../../kube/store.js';
import { renderAgentConfig, renderVersionConfigMap } from '../../rollout/render/render-config.js';
import { decide } from './decide.js';
import { army, liveDeployment, version } from './fixtures.test-util.js';
import { type ArmyInformers, observeArmy } from './observe.js';
import { AgentArmyReconciler, isFixpoint } from './reconciler.js';

function informer(objects: KubeObject[] = []): Informer<KubeObject> {
  const store = new Store<KubeObject>({ [ownerUidIndex]: byOwnerUid });
  for (const o of objects) store.upsert(o);
  return { store } as unknown as Informer<KubeObject>;
}

/** A client that records when each request starts and ends; every answer comes a macrotask later. */
function recordingClient() {
  const log: { at: 'start' | 'end'; method: string; path: string }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    log,
    maxInFlight: () => maxInFlight,
    async request<T>(opts: RequestOptions): Promise<T> {
      log.push({ at: 'start', method: opts.method, path: opts.path });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      log.push({ at: 'end', method: opts.method, path: opts.path });
      return undefined as T;
    },
  };
}

const orchV1 = version('orch-v1', '1.0.0');
const writerV1 = version('writer-v1', '1.0.0', { agent: 'writer' });
const twoAgents = army([
  { name: 'orchestrator', version: 'orch-v1', replicas: 2 },
  { name: 'writer', version: 'writer-v1', replicas: 2 },
]);

/** The army's Deployment as the cache holds it once both pods are ready. */
function availableDeployment(agent: string, avName: string): KubeObject {
  const d = liveDeployment(avName, 2, 2);
  return {
    ...d,
    metadata: {
      ...d.metadata,
      name: `support-${agent}`,
      namespace: 'team',
      ownerReferences: [
        { apiVersion: 'agentarmy.dev/v1alpha1', kind: 'AgentArmy', name: 'support', uid: 'army-uid' },
      ],
    },
  } as KubeObject;
}

/** A version's config ConfigMap as the AgentVersion controller leaves it in the cache. */
function versionConfigMap(av: AgentVersion): KubeObject {
  const { file, hash } = renderAgentConfig(av, av.spec.systemPrompt);
  const cm = renderVersionConfigMap({ av, agentFile: file, hash });
  const owner = {
    apiVersion: av.apiVersion,
    kind: 'AgentVersion',
    name: av.metadata.name ?? '',
    uid: 'v-uid',
  };
  return {
    ...cm,
    metadata: { ...cm.metadata, ownerReferences: [{ ...owner, controller: true }] },
  } as KubeObject;
}

/** A per-agent ConfigMap an earlier operator version made (owned by the army). */
const legacyConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'support-orchestrator',
    namespace: 'team',
    uid: 'legacy-uid',
    ownerReferences: [
      { apiVersion: 'agentarmy.dev/v1alpha1', kind: 'AgentArmy', name: 'support', uid: 'army-uid' },
    ],
  },
} as KubeObject;

function armyInformers(
  deployments: KubeObject[],
  configMaps = [orchV1, writerV1].map(versionConfigMap),
): ArmyInformers {
  return {
    armies: informer([twoAgents as unknown as KubeObject]),
    versions: informer([orchV1, writerV1] as unknown as KubeObject[]),
    releases: informer(),
    deployments: informer(deployments),
    configMaps: informer(configMaps),
    services: informer(),
    hpas: informer(),
    pdbs: informer(),
    pods: informer(),
  };
}

async function reconcileOnce(deployments: KubeObject[], echoes?: StatusEchoes, configMaps?: KubeObject[]) {
  const informers = armyInformers(deployments, configMaps);
  const client = recordingClient();
  const log = pino({ level: 'silent' });
  const reconciler = new AgentArmyReconciler({
    informers,
    client,
    events: new EventRecorder({ client, log }),
    ...(echoes ? { echoes } : {}),
  });
  const result = await reconciler.reconcile(
    { namespace: 'team', name: 'support' },
    { log, reconcileID: 'r1', controller: 'agentarmy', signal: new AbortController().signal, wake: () => {} },
  );
  const at = (when: 'start' | 'end', suffix: string) =>
    client.log.findIndex((e) => e.at === when && e.path.endsWith(suffix));
  const applied = client.log
    .filter((e) => e.at === 'start' && e.method === 'PATCH' && !e.path.endsWith('/status'))
    .map((e) => e.path.split('/').slice(-2).join('/'))
    .sort();
  const deleted = client.log
    .filter((e) => e.at === 'start' && e.method === 'DELETE')
    .map((e) => e.path.split('/').slice(-2).join('/'));
  const statusWrites = client.log.filter((e) => e.at === 'start' && e.path.endsWith('/status')).length;
  return { client, result, at, applied, deleted, statusWrites };
}

describe('AgentArmyReconciler writes', () => {
  it("creates only the Deployment of a new agent (mounting its version's ConfigMap), then patches status once", async () => {
    const { client, result, at, applied } = await reconcileOnce([]);
    expect(applied).toEqual(['deployments/support-orchestrator', 'deployments/support-writer']);
    const status = client.log.filter(
      (e) => e.at === 'start' && e.path.endsWith('/agentarmies/support/status'),
    );
    expect(status).toHaveLength(1);
    expect(at('start', '/status')).toBeGreaterThan(
      client.log.findLastIndex((e) => e.at === 'end' && e.method === 'PATCH' && !e.path.endsWith('/status')),
    );
    expect(result).toEqual({ requeueAfterMs: 30_000 });
  });

  it('once pods are ready applies Deployment, Service and PDB of every agent together, and records one RolloutCompleted', async () => {
    const { client, result, at, applied } = await reconcileOnce([
      availableDeployment('orchestrator', 'orch-v1'),
      availableDeployment('writer', 'writer-v1'),
    ]);
    expect(applied).toEqual([
      'deployments/support-orchestrator',
      'deployments/support-writer',
      'poddisruptionbudgets/support-orchestrator',
      'poddisruptionbudgets/support-writer',
      'services/support-orchestrator',
      'services/support-writer',
    ]);
    const firstEnd = client.log.findIndex((e) => e.at === 'end');
    // All six started before any was answered: one round trip, not three.
    for (const agent of ['orchestrator', 'writer'])
      for (const kind of ['deployments', 'services', 'poddisruptionbudgets'])
        expect(
          at('start', `/${kind}/support-${agent}`),
          `${kind} of ${agent} in flight with the others`,
        ).toBeLessThan(firstEnd);
    expect(client.maxInFlight()).toBe(6);
    const events = client.log.filter(
      (e) => e.at === 'start' && e.method === 'POST' && e.path.endsWith('/events'),
    );
    expect(events).toHaveLength(1);
    expect(result).toEqual({});
  });

  it("waits for a version's config ConfigMap: no Deployment for that agent, no Event, a recheck", async () => {
    const { client, result, applied } = await reconcileOnce([], undefined, [versionConfigMap(writerV1)]);
    expect(applied).toEqual(['deployments/support-writer']);
    expect(client.log.filter((e) => e.method === 'POST' && e.path.endsWith('/events'))).toHaveLength(0);
    expect(result).toEqual({ requeueAfterMs: 10_000 });
  });

  it("prunes the per-agent ConfigMap an earlier operator version made, and keeps the versions' own", async () => {
    const configMaps = [legacyConfigMap, versionConfigMap(orchV1), versionConfigMap(writerV1)];
    const { deleted } = await reconcileOnce([], undefined, configMaps);
    expect(deleted).toEqual(['configmaps/support-orchestrator']);
  });

  it.each([
    ['a new army (rolling out)', []],
    ['an army whose pods are ready', ['ready']],
  ])(
    'registers the status it writes for %s: deciding again on it changes nothing, so its echo is dropped',
    async (_name, pods) => {
      const deployments = pods.length
        ? [availableDeployment('orchestrator', 'orch-v1'), availableDeployment('writer', 'writer-v1')]
        : [];
      const echoes = new StatusEchoes();
      const { client } = await reconcileOnce(deployments, echoes);
      expect(client.log.filter((e) => e.at === 'start' && e.path.endsWith('/status'))).toHaveLength(1);
      expect(echoes.size).toBe(1);
    },
  );
});

describe('AgentArmyReconciler status echoes', () => {
  it('forgets the registration when the status write fails, so a later echo still wakes the army', async () => {
    const echoes = new StatusEchoes();
    const client = recordingClient();
    const failing = {
      async request<T>(opts: RequestOptions): Promise<T> {
        if (opts.path.endsWith('/status')) throw new Error('conflict');
        return client.request<T>(opts);
      },
    };
    const log = pino({ level: 'silent' });
    const reconciler = new AgentArmyReconciler({
      informers: armyInformers([]),
      client: failing,
      events: new EventRecorder({ client: failing, log }),
      echoes,
    });
    const ctx = {
      log,
      reconcileID: 'r1',
      controller: 'agentarmy',
      signal: new AbortController().signal,
      wake: () => {},
    };
    await expect(reconciler.reconcile({ namespace: 'team', name: 'support' }, ctx)).rejects.toThrow(
      'conflict',
    );
    expect(echoes.size).toBe(0);
  });
});

describe('isFixpoint', () => {
  async function observed(deployments: KubeObject[]) {
    const obs = observeArmy(armyInformers(deployments), 'team', 'support');
    if (obs.kind !== 'ok') throw new Error(`observation ${obs.kind}`);
    return obs.observed;
  }
  const now = new Date('2026-11-23T10:00:00Z');

  it('holds for the plan decided on the same observation', async () => {
    const obs = await observed([]);
    expect(isFixpoint(obs, decide(obs, now), now)).toBe(true);
  });

  it('fails for a plan that deciding again would change (its echo must wake the army)', async () => {
    const rolling = await observed([]);
    const ready = await observed([
      availableDeployment('orchestrator', 'orch-v1'),
      availableDeployment('writer', 'writer-v1'),
    ]);
    // Progressing written while both Deployments are already available: the next decision says Ready.
    expect(isFixpoint(ready, decide(rolling, now), now)).toBe(false);
  });
});

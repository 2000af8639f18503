// The control-plane floor, side by side with the operator rounds: on a fresh bench cluster, create the
// same armies and exactly the children the operator would render for them (its own pure `decide`, the
// same server-side apply, field manager and owner references) from 16 parallel clients, with no operator
// running: no reads, no status patches, no Events. Time until every Deployment has all its replicas Ready
// is what this machine's apiserver, etcd, controller-manager, scheduler and KWOK need for the workload
// alone; an operator round cannot beat it. With `only: 'Deployment'` the armies get their Deployments and
// nothing else (no ConfigMaps, Services, PDBs): the least any Deployment-based controller could ask of
// this cluster for 999 workloads × 2 replicas, the figure to hold the peer's time against.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { AgentArmy, AgentVersion } from '../../operator/src/api/v1alpha1/index.js';
import { safeParseResource } from '../../operator/src/api/v1alpha1/validate.js';
import { decide } from '../../operator/src/controllers/agent-army/decide.js';
import type { KubeClient } from '../../operator/src/kube/api-client.js';
import { controllerReference } from '../../operator/src/kube/writes.js';
import { repoRoot } from '../../test/support/cluster.js';
import {
  agentVersionManifest,
  armyManifest,
  benchClient,
  createPrerequisites,
  deploymentIsReady,
  type Workload,
} from './army-load.js';
import type { BenchCluster } from './bench-cluster.js';
import { ReadyWatch } from './ready-watch.js';

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PLURAL: Record<string, string> = {
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  Service: 'services',
  PodDisruptionBudget: 'poddisruptionbudgets',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
};
const GROUP: Record<string, string> = {
  ConfigMap: '/api/v1',
  Service: '/api/v1',
  Deployment: '/apis/apps/v1',
  PodDisruptionBudget: '/apis/policy/v1',
  HorizontalPodAutoscaler: '/apis/autoscaling/v2',
};

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
};

const apply = (client: KubeClient, path: string, body: unknown, kind: string) =>
  client.request<Obj>({
    method: 'PATCH',
    path,
    query: { fieldManager: 'agent-army', force: true },
    body,
    contentType: 'application/apply-patch+yaml',
    write: { verb: 'apply', kind },
  });

/** The children the operator renders for army `i` (a pure function of the army and its versions). */
function childrenOf(w: Workload, i: number, uid: string) {
  const manifest = armyManifest(w, i);
  const army = safeParseResource(AgentArmy, 'AgentArmy', {
    ...manifest,
    metadata: { ...manifest.metadata, uid, generation: 1 },
  });
  if (!army.ok) throw new Error(army.error.message);
  const versions = new Map(
    w.agents.map((agent) => {
      const v = safeParseResource(
        AgentVersion,
        'AgentVersion',
        agentVersionManifest(manifest.metadata.namespace, agent),
      );
      if (!v.ok) throw new Error(v.error.message);
      return [v.value.metadata.name ?? '', v.value] as const;
    }),
  );
  const empty = new Map();
  const plan = decide(
    {
      army: army.value,
      versions,
      invalidVersions: empty,
      prompts: empty,
      releases: empty,
      invalidReleases: empty,
      children: { deployments: empty, configMaps: empty, services: empty, hpas: empty, pdbs: empty },
    },
    new Date(),
  );
  const owner = controllerReference(army.value);
  return plan.desired.map((o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: [owner] } }) as Obj);
}

export async function runFloorRound(o: {
  cluster: BenchCluster;
  workload: Workload;
  deadline: number;
  only?: 'Deployment';
}) {
  const w = o.workload;
  const label = o.only ? 'floor, Deployments only' : 'floor';
  const log = (msg: string) => process.stderr.write(`[bench ${label}] ${msg}\n`);
  const load = { start: loadavg().map((l) => round(l, 2)), end: [] as number[] };
  const kubeconfig = await o.cluster.up();
  const crds = join(repoRoot, 'crds');
  await o.cluster.kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', crds]);
  await o.cluster.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
  const client = benchClient(kubeconfig);
  await createPrerequisites(client, w);
  log(
    `creating ${w.armies} armies and ${o.only ? 'their Deployments' : 'their children'} with no operator running`,
  );
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let next = 0;
  let writes = 0;
  const worker = async () => {
    while (next < w.armies) {
      const i = next++;
      const m = armyManifest(w, i);
      const ns = m.metadata.namespace;
      const army = await apply(
        client,
        `/apis/agentarmy.dev/v1alpha1/namespaces/${ns}/agentarmies/${m.metadata.name}`,
        m,
        'AgentArmy',
      );
      writes++;
      for (const child of childrenOf(w, i, army.metadata?.uid ?? '')) {
        if (o.only && child.kind !== o.only) continue;
        const kind = child.kind ?? '';
        await apply(
          client,
          `${GROUP[kind]}/namespaces/${ns}/${PLURAL[kind]}/${child.metadata?.name}`,
          child,
          kind,
        );
        writes++;
      }
    }
  };
  const created = Promise.all(Array.from({ length: 16 }, worker)).then(elapsed);
  const expected = w.armies * w.agents.length;
  const timeline: { t: number; ready: number }[] = [];
  let createS: number | undefined;
  void created.then((s) => {
    createS = s;
  });
  // Readiness from one watch of the managed Deployments (what the operator's informer costs the
  // apiserver too), not from listing ~1,000 Deployments every second.
  const readiness = new ReadyWatch(client, {
    path: '/apis/apps/v1/deployments',
    labelSelector: 'app.kubernetes.io/managed-by=agent-army',
    isReady: deploymentIsReady,
    expected,
    log,
  });
  try {
    for (let tick = 0; readiness.allReadyAt === undefined || createS === undefined; tick++) {
      if (Date.now() > o.deadline) throw new Error(`time budget exhausted in the ${label} round`);
      timeline.push({ t: round(elapsed()), ready: readiness.count });
      if (tick % 10 === 0) log(`${round(elapsed())} s: ${readiness.count}/${expected} Deployments Ready`);
      await sleep(Math.max(0, t0 + (tick + 1) * 1000 - performance.now()));
    }
  } finally {
    await readiness.stop();
  }
  const allReadyAt = readiness.allReadyAt === undefined ? undefined : (readiness.allReadyAt - t0) / 1000;
  const allReadyS = round(allReadyAt ?? elapsed());
  await created;
  load.end = loadavg().map((l) => round(l, 2));
  log(`all ${expected} Deployments Ready after ${allReadyS} s`);
  return {
    what: o.only
      ? 'control-plane floor of the Deployments alone: the same armies and only their rendered Deployments applied directly, no operator'
      : 'control-plane floor: the same armies and rendered children applied directly, no operator',
    createS: round(createS ?? Number.NaN),
    timeToAllDeploymentsReadyS: allReadyS,
    writes,
    loadAverage: load,
    timeline,
  };
}

export type FloorResult = Awaited<ReturnType<typeof runFloorRound>>;

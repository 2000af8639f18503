// The control-plane floor, side by side with the operator rounds: on a fresh bench cluster, create the
// same armies and the children the operator would render for them (its own pure `decide`, the same
// server-side apply, field manager and owner references) from 16 parallel clients, with no operator
// running: no reads, no status patches, no Events. Time until every Deployment has all its replicas Ready
// is what this machine's apiserver, etcd, controller-manager, scheduler and KWOK need for the workload
// alone. Modes:
//   all         every child at once (what the operator did before it staged Services and PDBs);
//   staged      Deployments at once, each agent's Service and PDB when its Deployment has a ready pod —
//               the operator's own order, so the floor an operator round is held against;
//   deployments the Deployments alone (no Services, PDBs): the least any Deployment-based controller
//               could ask of this cluster for 999 workloads × 2 replicas.
// Every mode first writes each AgentVersion's config ConfigMap (one per version, not per army), as the
// operator's AgentVersion controller does when it starts, before the armies are created.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { AgentArmy, AgentVersion } from '../../operator/src/api/v1alpha1/index.js';
import { safeParseResource } from '../../operator/src/api/v1alpha1/validate.js';
import { decide } from '../../operator/src/controllers/agent-army/decide.js';
import type { ObservedArmy } from '../../operator/src/controllers/agent-army/observed.js';
import { desiredConfigMap } from '../../operator/src/controllers/agent-version/decide.js';
import type { KubeClient } from '../../operator/src/kube/api-client.js';
import { controllerReference } from '../../operator/src/kube/writes.js';
import { ANNOTATION } from '../../operator/src/rollout/labels.js';
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
import { RoundStopped } from './drive.js';
import { pool } from './pool.js';
import { ReadyWatch } from './ready-watch.js';
import { SystemSampler } from './system-sampler.js';

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

/** An AgentVersion's config ConfigMap as the AgentVersion controller writes it, and what Deployments mount. */
function versionConfigOf(av: AgentVersion) {
  const configMap = desiredConfigMap({
    version: av,
    secretKeys: undefined,
    promptKeys: undefined,
    armies: [],
  });
  if (!configMap)
    throw new Error(`AgentVersion ${av.metadata.name}: no config ConfigMap (inline prompt expected)`);
  const hash = configMap.metadata?.annotations?.[ANNOTATION.configHash] ?? '';
  return { configMap, config: { name: configMap.metadata?.name ?? '', hash } };
}

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
  const configs = new Map([...versions].map(([name, av]) => [name, versionConfigOf(av).config] as const));
  const observe = (deployments: ReadonlyMap<string, V1Deployment>): ObservedArmy => ({
    army: army.value,
    versions,
    invalidVersions: empty,
    configs,
    releases: empty,
    invalidReleases: empty,
    children: { deployments, configMaps: empty, services: empty, hpas: empty, pdbs: empty },
  });
  // A new agent's plan has its Deployment; the Service and PDB come in the plan once the
  // Deployment has ready pods (what the operator renders a little later).
  const first = decide(observe(empty), new Date()).desired;
  const running = new Map(
    first
      .filter((o) => o.kind === 'Deployment')
      .map((d): [string, V1Deployment] => [
        d.metadata?.name ?? '',
        { ...d, status: { readyReplicas: w.replicas, availableReplicas: w.replicas } },
      ]),
  );
  const later = decide(observe(running), new Date()).desired;
  const key = (o: Obj) => `${o.kind}/${o.metadata?.name}`;
  const seen = new Set(first.map(key));
  const owner = controllerReference(army.value);
  return [...first, ...later.filter((o) => !seen.has(key(o)))].map(
    (o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: [owner] } }) as Obj,
  );
}

export const FLOOR_MODES = ['all', 'staged', 'deployments'] as const;
export type FloorMode = (typeof FLOOR_MODES)[number];
const WHAT: Record<FloorMode, string> = {
  all: 'control-plane floor: the same armies and all their rendered children applied at once, no operator',
  staged:
    "control-plane floor in the operator's order: Deployments at once, each agent's Service and PDB once its Deployment has a ready pod, no operator",
  deployments:
    'control-plane floor of the Deployments alone: the same armies and only their rendered Deployments, no operator',
};
const LATE = new Set(['Service', 'PodDisruptionBudget']);

export async function runFloorRound(o: {
  cluster: BenchCluster;
  workload: Workload;
  deadline: number;
  mode: FloorMode;
}) {
  const w = o.workload;
  const label = `floor ${o.mode}`;
  const log = (msg: string) => process.stderr.write(`[bench ${label}] ${msg}\n`);
  const load = { start: loadavg().map((l) => round(l, 2)), end: [] as number[] };
  const kubeconfig = await o.cluster.up();
  const crds = join(repoRoot, 'crds');
  await o.cluster.kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', crds]);
  await o.cluster.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
  const client = benchClient(kubeconfig);
  await createPrerequisites(client, w);
  // What the operator's AgentVersion controller writes when it starts, before the armies are created.
  for (const ns of w.namespaces) {
    for (const agent of w.agents) {
      const v = safeParseResource(AgentVersion, 'AgentVersion', agentVersionManifest(ns, agent));
      if (!v.ok) throw new Error(v.error.message);
      const { configMap } = versionConfigOf(v.value);
      const path = `/api/v1/namespaces/${ns}/configmaps/${configMap.metadata?.name}`;
      await apply(client, path, configMap, 'ConfigMap');
    }
  }
  log(`creating ${w.armies} armies and their children (${o.mode}) with no operator running`);
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let next = 0;
  let writes = 0;
  const applyChild = async (ns: string, child: Obj) => {
    const kind = child.kind ?? '';
    await apply(
      client,
      `${GROUP[kind]}/namespaces/${ns}/${PLURAL[kind]}/${child.metadata?.name}`,
      child,
      kind,
    );
    writes++;
  };
  // staged: an agent's Service and PDB, by its Deployment's key, until that Deployment has a ready pod.
  const late = new Map<string, { ns: string; children: Obj[] }>();
  const lateApplies = pool(16);
  let lateFailure: unknown;
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
      const children = childrenOf(w, i, army.metadata?.uid ?? '');
      if (o.mode === 'staged')
        for (const c of children.filter((c) => LATE.has(c.kind ?? ''))) {
          const key = `${ns}/${c.metadata?.name}`; // Service and PDB are named like the Deployment
          late.set(key, { ns, children: [...(late.get(key)?.children ?? []), c] });
        }
      for (const child of children) {
        if (o.mode === 'deployments' && child.kind !== 'Deployment') continue;
        if (o.mode === 'staged' && LATE.has(child.kind ?? '')) continue;
        await applyChild(ns, child);
      }
    }
  };
  const onDeployment = (obj: unknown) => {
    const d = obj as {
      metadata?: { namespace?: string; name?: string };
      status?: { availableReplicas?: number; readyReplicas?: number };
    };
    const key = `${d.metadata?.namespace}/${d.metadata?.name}`;
    const pending = late.get(key);
    if (!pending || Math.max(d.status?.availableReplicas ?? 0, d.status?.readyReplicas ?? 0) === 0) return;
    late.delete(key);
    for (const child of pending.children)
      lateApplies.push(() =>
        applyChild(pending.ns, child).catch((err: unknown) => {
          lateFailure ??= err;
        }),
      );
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
    ...(o.mode === 'staged' ? { onObject: onDeployment } : {}),
  });
  const system = new SystemSampler(() => o.cluster.componentPids()).start();
  try {
    for (let tick = 0; readiness.allReadyAt === undefined || createS === undefined; tick++) {
      if (Date.now() > o.deadline) {
        const stopped = new RoundStopped(
          'deadline',
          round(elapsed()),
          readiness.count,
          expected,
          `the round's time limit was reached in the ${label} round`,
        );
        system.stop();
        stopped.system = system.report({ from: t0 });
        throw stopped;
      }
      timeline.push({ t: round(elapsed()), ready: readiness.count });
      if (tick % 10 === 0) log(`${round(elapsed())} s: ${readiness.count}/${expected} Deployments Ready`);
      await sleep(Math.max(0, t0 + (tick + 1) * 1000 - performance.now()));
    }
  } finally {
    system.stop();
    await readiness.stop();
  }
  const allReadyAt = readiness.allReadyAt === undefined ? undefined : (readiness.allReadyAt - t0) / 1000;
  const allReadyS = round(allReadyAt ?? elapsed());
  await created;
  await lateApplies.idle();
  if (lateFailure) throw lateFailure;
  if (late.size > 0) throw new Error(`${late.size} agents never got their Service and PDB`);
  const lateAppliedS = round(elapsed());
  load.end = loadavg().map((l) => round(l, 2));
  log(`all ${expected} Deployments Ready after ${allReadyS} s`);
  // What an operator round is held against: everything the operator would write is written and every
  // Deployment is Ready (staged: the late Services and PDBs may land after the last Deployment is Ready).
  const doneS = o.mode === 'staged' ? Math.max(allReadyS, lateAppliedS) : allReadyS;
  return {
    label,
    metrics: {
      timeToAllReadyS: doneS,
      peakRssMiB: null,
      cpuSecondsToReady: null,
      writesToReady: writes,
      steadyWrites: null,
      steadyWritesPerMin: null,
    },
    mode: o.mode,
    what: WHAT[o.mode],
    createS: round(createS ?? Number.NaN),
    timeToAllDeploymentsReadyS: allReadyS,
    ...(o.mode === 'staged'
      ? { lateServicesAndPdbsAppliedS: lateAppliedS, timeToAllDoneS: Math.max(allReadyS, lateAppliedS) }
      : {}),
    writes,
    loadAverage: load,
    system: system.report({ from: t0, until: readiness.allReadyAt }),
    timeline,
  };
}

export type FloorResult = Awaited<ReturnType<typeof runFloorRound>>;

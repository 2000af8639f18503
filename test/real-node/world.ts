// The world of the real-pod tests: a namespace on the real node with the operator installed by Helm from
// its image (in its own namespace, watching the test's), the fake upstream and the load generator as pods,
// optionally a Prometheus that discovers the agent pods, and manifests for agents that run the
// agent-runtime image built from agent-runtime/Dockerfile.
import { stringify } from 'yaml';
import { secret } from '../army/fixtures.js';
import { helm } from '../chart/helm.js';
import {
  applyManifest,
  deleteNamespaces,
  eventually,
  getObject,
  kubectl,
  kubectlOk,
  uniqueNamespace,
} from '../support/cluster.js';
import type { RunningPrometheus } from '../support/prometheus.js';
import {
  FAKE_UPSTREAM_URL,
  imageRefs,
  installOperator,
  type LoadClient,
  ON_REAL_NODE,
  realNodeIp,
  startPodDiscoveryPrometheus,
  startTestDoubles,
} from '../support/real-node.js';

/** Models of the fake upstream: healthy, failing 30% (not retried), and always failing. */
export const UPSTREAM_MODELS = {
  models: {
    good: { latencyMs: { min: 15, max: 40 } },
    flaky: { latencyMs: { min: 15, max: 40 }, errorRate: 0.3, retryable: false },
    broken: { latencyMs: 5, errorRate: 1, retryable: false },
  },
};

export interface RealWorld {
  ns: string;
  nodeIp: string;
  load: LoadClient;
  /** http://<fake upstream pod>:8080, for PUT /_models/<name> (a fault at a known time). */
  upstreamAdmin: string;
  prometheus?: RunningPrometheus;
  close(): Promise<void>;
}

export interface RealWorldOptions {
  /** Start a Prometheus that discovers the agent pods (analysis). */
  prometheus?: boolean;
  /** A fixed namespace (the demo's) instead of a unique one from the prefix. */
  namespace?: string;
  /** The fake upstream's models (default UPSTREAM_MODELS). */
  upstream?: unknown;
}

export async function startRealWorld(prefix: string, opts: RealWorldOptions = {}): Promise<RealWorld> {
  const ns = opts.namespace ?? uniqueNamespace(prefix);
  const opNs = `${ns}-op`;
  const nodeIp = realNodeIp();
  if (!nodeIp) throw new Error('no real node');
  await kubectlOk(['create', 'namespace', ns]);
  await applyManifest(secret(ns));
  const prometheus = opts.prometheus ? await startPodDiscoveryPrometheus(nodeIp, [ns]) : undefined;
  const started = await Promise.allSettled([
    installOperator(opNs, [ns]),
    startTestDoubles(ns, opts.upstream ?? UPSTREAM_MODELS),
  ]);
  const [op, dbl] = started;
  if (op.status === 'rejected' || dbl.status === 'rejected') {
    // Leave nothing behind (the Helm release is cluster-scoped in part) unless asked to keep it.
    if (process.env.KEEP_REAL_WORLD !== '1') {
      await helm(['uninstall', 'agent-army', '-n', opNs, '--wait', '--timeout', '60s']);
      await prometheus?.stop();
      await kubectl(['delete', 'namespace', ns, opNs, '--wait=false']);
    }
    throw op.status === 'rejected' ? op.reason : (dbl as PromiseRejectedResult).reason;
  }
  const operator = op.value;
  const doubles = dbl.value;
  return {
    ns,
    nodeIp,
    ...doubles,
    ...(prometheus ? { prometheus } : {}),
    async close() {
      // KEEP_REAL_WORLD=1 leaves everything running to look around after a failure.
      if (process.env.KEEP_REAL_WORLD === '1') return;
      await doubles.load.stop().catch(() => undefined);
      await operator.uninstall();
      await prometheus?.stop();
      await deleteNamespaces([ns, opNs]);
    },
  };
}

/** An AgentVersion of `orchestrator` running the agent-runtime image against the fake upstream's `model`. */
export function realVersion(
  ns: string,
  name: string,
  version: string,
  model: string,
  extra: Record<string, unknown> = {},
) {
  return stringify({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name, namespace: ns },
    spec: {
      agent: 'orchestrator',
      version,
      image: imageRefs().agentRuntime,
      model: {
        name: model,
        baseURL: FAKE_UPSTREAM_URL(ns),
        apiKeySecretRef: { name: 'llm', key: 'api-key' },
        timeoutSeconds: 10,
      },
      systemPrompt: `You are orchestrator ${version}.`,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      ...extra,
    },
  });
}

/** AgentArmy `support` whose agents run on the real node. */
export function realArmy(ns: string, agents: Record<string, unknown>[]) {
  return stringify({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name: 'support', namespace: ns },
    spec: { defaults: { podTemplate: ON_REAL_NODE }, agents },
  });
}

export interface ArmyStatus {
  phase?: string;
  agents?: {
    name: string;
    phase: string;
    reason?: string;
    message?: string;
    stableVersion?: string;
    readyReplicas?: number;
    activeColor?: string;
  }[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

export async function armyStatus(ns: string): Promise<ArmyStatus> {
  return (await getObject<{ status?: ArmyStatus }>(ns, 'agentarmy/support'))?.status ?? {};
}

export function waitForArmy(
  ns: string,
  what: string,
  check: (s: ArmyStatus) => boolean,
  timeoutMs = 180_000,
) {
  return eventually(
    what,
    async () => {
      const s = await armyStatus(ns);
      return check(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

export interface PodView {
  metadata: {
    name: string;
    creationTimestamp: string;
    labels: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec: { nodeName?: string };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string; lastTransitionTime: string }[];
    containerStatuses?: { ready: boolean; restartCount: number; state: Record<string, unknown> }[];
  };
}

export async function agentPods(
  ns: string,
  selector = 'agentarmy.dev/agent=orchestrator',
): Promise<PodView[]> {
  return (
    JSON.parse(await kubectlOk(['get', 'pods', '-n', ns, '-l', selector, '-o', 'json'])) as {
      items: PodView[];
    }
  ).items;
}

/** Seconds from a pod's creation to its Ready condition (the kubelet's timestamps). */
export function startToReadySeconds(pod: PodView): number | undefined {
  const ready = pod.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  return ready
    ? (Date.parse(ready.lastTransitionTime) - Date.parse(pod.metadata.creationTimestamp)) / 1000
    : undefined;
}

/** Warning Events of the army, newest last. */
export async function armyWarnings(ns: string): Promise<{ reason: string; message: string }[]> {
  const list = JSON.parse(
    await kubectlOk([
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      'involvedObject.kind=AgentArmy,involvedObject.name=support,type=Warning',
      '-o',
      'json',
    ]),
  ) as { items: { reason: string; message: string }[] };
  return list.items;
}

/** The agent's invoke endpoint through its Service (port 80, as the operator renders it), by cluster DNS. */
export function serviceUrl(ns: string, service: string) {
  return `http://${service}.${ns}.svc/v1/invoke`;
}

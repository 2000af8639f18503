// The benchmark workload: a few namespaces, each with the `llm` Secret and one AgentVersion per agent, and
// N armies of those agents spread round-robin over them, created by server-side apply from parallel
// workers; plus what readiness means for an army and a Deployment (counted by ready-watch.ts).
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../operator/src/kube/api-client.js';

export interface Workload {
  namespaces: string[];
  armies: number;
  agents: string[];
  replicas: number;
}

export const armyName = (i: number) => `army-${String(i).padStart(3, '0')}`;
const namespaceOf = (w: Workload, i: number) => w.namespaces[i % w.namespaces.length] ?? '';

const group = '/apis/agentarmy.dev/v1alpha1/namespaces';

export function benchClient(kubeconfig: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return new KubeClient(kc);
}

function applyObject(client: KubeClient, path: string, body: unknown): Promise<unknown> {
  return client.request({
    method: 'PATCH',
    path,
    query: { fieldManager: 'agent-army-bench', force: true },
    body,
    contentType: 'application/apply-patch+yaml',
  });
}

/** Namespaces, Secrets and AgentVersions: everything the armies need, before the operator starts. */
export async function createPrerequisites(client: KubeClient, w: Workload): Promise<void> {
  for (const namespace of w.namespaces) await createNamespace(client, w, namespace);
}

async function createNamespace(client: KubeClient, w: Workload, namespace: string): Promise<void> {
  await applyObject(client, `/api/v1/namespaces/${namespace}`, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  await applyObject(client, `/api/v1/namespaces/${namespace}/secrets/llm`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'llm', namespace: namespace },
    stringData: { 'api-key': 'sk-bench-not-a-real-key' },
  });
  for (const agent of w.agents) {
    await applyObject(
      client,
      `${group}/${namespace}/agentversions/${agent}-v1`,
      agentVersionManifest(namespace, agent),
    );
  }
}

export function agentVersionManifest(namespace: string, agent: string) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name: `${agent}-v1`, namespace },
    spec: {
      agent,
      version: '1.0.0',
      image: 'example.invalid/agent-runtime:1.0.0',
      model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      systemPrompt: `You are the ${agent} of a benchmark army.`,
    },
  };
}

export function armyManifest(w: Workload, i: number) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name: armyName(i), namespace: namespaceOf(w, i) },
    spec: {
      agents: w.agents.map((agent) => ({ name: agent, version: `${agent}-v1`, replicas: w.replicas })),
    },
  };
}

/** Creates every army with `parallel` workers; resolves with the seconds it took. */
export async function createArmies(client: KubeClient, w: Workload, parallel = 16): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < w.armies) {
      const i = next++;
      await applyObject(
        client,
        `${group}/${namespaceOf(w, i)}/agentarmies/${armyName(i)}`,
        armyManifest(w, i),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, w.armies) }, worker));
  return (performance.now() - t0) / 1000;
}

interface ArmyItem {
  metadata?: { generation?: number };
  status?: {
    phase?: string;
    observedGeneration?: number;
    conditions?: { type?: string; status?: string }[];
  };
}

/** An army whose status says Ready: phase Ready and condition Ready=True, for the current generation. */
export function armyIsReady(obj: unknown): boolean {
  const a = obj as ArmyItem;
  return (
    a.status?.phase === 'Ready' &&
    (a.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false) &&
    (a.status.observedGeneration === undefined || a.status.observedGeneration === a.metadata?.generation)
  );
}

/** A Deployment with all its replicas Ready. */
export function deploymentIsReady(obj: unknown): boolean {
  const d = obj as { spec?: { replicas?: number }; status?: { readyReplicas?: number } };
  return (d.status?.readyReplicas ?? 0) >= (d.spec?.replicas ?? 1);
}

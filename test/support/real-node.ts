// The real node of the test cluster (test/cluster/real-node.sh) as tests use it: the project's images, the
// placement that puts a pod on it, the in-cluster test doubles (fake upstream, load generator), the
// operator installed by Helm from its image, and a Prometheus that finds pods by Kubernetes service
// discovery. Tests that need real containers call requireRealNode(): without a real node they are skipped
// with the reason, except under CI=true, where they fail (CI must never fall back silently).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartDir, helm, helmOk } from '../chart/helm.js';
import {
  applyManifest,
  binary,
  clusterDir,
  eventually,
  kubeconfigPath,
  kubectlOk,
  repoRoot,
} from './cluster.js';
import { freePort, type RunningPrometheus, startPrometheus } from './prometheus.js';

const clusterScript = join(repoRoot, 'test/cluster/cluster.sh');

/** What puts a pod on the real node (and only there): its label and the toleration of its taint. */
export const ON_REAL_NODE = {
  nodeSelector: { 'agentarmy.dev/node': 'real' },
  tolerations: [{ key: 'agentarmy.dev/real-node', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
};

export interface ImageRefs {
  agentRuntime: string;
  devTools: string;
  operator: string;
}

/** The real node's IP, or undefined when the cluster runs without one. */
export function realNodeIp(): string | undefined {
  try {
    return execFileSync('bash', [clusterScript, 'real-node'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether the suite runs real-node tests; under CI=true a missing real node is an error, not a skip. */
export function realNodeAvailable(): boolean {
  if (realNodeIp()) return true;
  if (process.env.CI === 'true') {
    throw new Error('CI=true but the test cluster has no real node (see test/cluster/cluster.sh up output)');
  }
  process.stderr.write('[real-node] no real node in this cluster: real-pod tests are skipped\n');
  return false;
}

/**
 * The images the real node has: those `cluster.sh up` built from the sources and imported (keyed by the
 * hash of their inputs). Sources edited since then are not in them until the next `up`.
 */
export function imageRefs(): ImageRefs {
  return JSON.parse(readFileSync(join(clusterDir, 'real-node', 'images.json'), 'utf8')) as ImageRefs;
}

/** A Deployment + Service of the fake OpenAI upstream on the real node, reachable as http://fake-openai.<ns>.svc:8080/v1. */
export function fakeUpstream(namespace: string, config: unknown, image = imageRefs().devTools) {
  const labels = { app: 'fake-openai' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fake-openai', namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            ...ON_REAL_NODE,
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'fake-openai',
                image,
                env: [
                  { name: 'HOST', value: '0.0.0.0' },
                  { name: 'PORT', value: '8080' },
                  { name: 'FAKE_OPENAI_CONFIG', value: JSON.stringify(config) },
                ],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'fake-openai', namespace, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] },
    },
  ];
}

/** The fake tool server (agent-runtime/dev/fake-tools.ts) as pod `fake-tools` and its Service: every tool name echoes. */
export function fakeTools(ns: string, image = imageRefs().devTools) {
  const labels = { app: 'fake-tools' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'fake-tools', namespace: ns, labels },
      spec: {
        ...ON_REAL_NODE,
        automountServiceAccountToken: false,
        containers: [
          {
            name: 'fake-tools',
            image,
            command: ['node', 'agent-runtime/dist-dev/dev/fake-tools.js'],
            env: [
              { name: 'HOST', value: '0.0.0.0' },
              { name: 'PORT', value: '8080' },
              { name: 'FAKE_TOOLS_CONFIG', value: JSON.stringify({ tools: { '*': {} } }) },
            ],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'fake-tools', namespace: ns, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] },
    },
  ];
}

export const FAKE_UPSTREAM_URL = (namespace: string) => `http://fake-openai.${namespace}.svc:8080/v1`;

/** The load generator as a pod on the real node (agent-runtime/dev/load-generator.ts). */
export function loadGeneratorPod(namespace: string, image = imageRefs().devTools) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'load', namespace, labels: { app: 'load' } },
    spec: {
      ...ON_REAL_NODE,
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'load',
          image,
          command: ['node', 'agent-runtime/dist-dev/dev/load-generator.js'],
          env: [{ name: 'PORT', value: '8080' }],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
        },
      ],
    },
  };
}

/** The IP of a Ready pod, read from the kubelet's status. */
export async function readyPodIp(namespace: string, name: string, timeoutMs = 120_000): Promise<string> {
  return eventually(
    `pod ${namespace}/${name} Ready on the real node`,
    async () => {
      const pod = JSON.parse(await kubectlOk(['get', 'pod', name, '-n', namespace, '-o', 'json'])) as {
        spec: { nodeName?: string };
        status: { podIP?: string; conditions?: { type: string; status: string }[] };
      };
      const ready = pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return ready && pod.spec.nodeName === 'real-0' ? pod.status.podIP : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** Applies the fake upstream and the load generator; resolves when both serve. */
export async function startTestDoubles(namespace: string, upstreamConfig: unknown) {
  for (const doc of [...fakeUpstream(namespace, upstreamConfig), loadGeneratorPod(namespace)])
    await applyManifest(doc);
  await kubectlOk(['rollout', 'status', 'deployment/fake-openai', '-n', namespace, '--timeout=120s'], {
    timeoutMs: 130_000,
  });
  const ip = await readyPodIp(namespace, 'load');
  return { load: new LoadClient(`http://${ip}:8080`), upstreamAdmin: await upstreamAdminUrl(namespace) };
}

async function upstreamAdminUrl(namespace: string): Promise<string> {
  const pods = JSON.parse(
    await kubectlOk(['get', 'pods', '-n', namespace, '-l', 'app=fake-openai', '-o', 'json']),
  ) as { items: { status: { podIP?: string } }[] };
  const ip = pods.items[0]?.status.podIP;
  if (!ip) throw new Error('fake upstream pod has no IP');
  return `http://${ip}:8080`;
}

export interface LoadStats {
  running: boolean;
  sent: number;
  answered: number;
  failed: number;
  inFlight: number;
  seconds: { second: number; counts: Record<string, number> }[];
  failures: { at: number; status: number | 'error'; version?: string; track?: string; detail?: string }[];
}

/** Talks to the load generator pod (from the host, by pod IP through the CNI bridge). */
export class LoadClient {
  constructor(readonly url: string) {}

  /** keepAlive false: a connection per request, so kube-proxy spreads requests by the ready pods. */
  async start(target: string, rps: number, opts: { keepAlive?: boolean } = {}): Promise<void> {
    const res = await fetch(`${this.url}/start`, {
      method: 'POST',
      body: JSON.stringify({ target, rps, ...opts }),
    });
    if (!res.ok) throw new Error(`load start failed: ${res.status} ${await res.text()}`);
  }

  /**
   * Starts, then resolves once requests are answered: a Service made a moment ago (or a new selector) is
   * programmed by kube-proxy within a second or so, and measurements start after that.
   */
  async startAnswered(target: string, rps: number, opts: { keepAlive?: boolean } = {}): Promise<void> {
    await this.start(target, rps, opts);
    await eventually(
      `answers from ${target}`,
      async () => {
        const s = await this.stats();
        if (s.answered >= Math.min(20, rps)) return true;
        throw new Error(`${s.answered} answered, last failures ${JSON.stringify(s.failures.slice(-2))}`);
      },
      { timeoutMs: 30_000 },
    );
  }

  async stats(): Promise<LoadStats> {
    return (await (await fetch(`${this.url}/stats`)).json()) as LoadStats;
  }

  async stop(): Promise<LoadStats> {
    await fetch(`${this.url}/stop`, { method: 'POST' });
    // Answers still on their way are counted: wait for them.
    return eventually('in-flight load requests to finish', async () => {
      const s = await this.stats();
      return s.inFlight === 0 ? s : undefined;
    });
  }
}

/** Answers per "<version>/<track>" (2xx only) over whole seconds [from, to) of send time, in ms. */
export function sharesBetween(stats: LoadStats, fromMs: number, toMs: number) {
  const byTrack: Record<string, number> = {};
  let total = 0;
  for (const s of stats.seconds) {
    if (s.second * 1000 < fromMs || s.second * 1000 >= toMs) continue;
    for (const [key, n] of Object.entries(s.counts)) {
      const [version, track, status] = key.split('/');
      if (!status?.startsWith('2')) continue;
      byTrack[`${version}/${track}`] = (byTrack[`${version}/${track}`] ?? 0) + n;
      total += n;
    }
  }
  return { byTrack, total };
}

/**
 * A Prometheus on the host, listening on the node IP (so the in-cluster operator reaches it), that finds
 * the agent pods of `namespaces` by `kubernetes_sd_configs` (role pod) from the annotations the operator
 * renders, and scrapes them by pod IP.
 */
export async function startPodDiscoveryPrometheus(
  nodeIp: string,
  namespaces: string[],
): Promise<RunningPrometheus> {
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [
      {
        job_name: 'agent-pods',
        kubernetes_sd_configs: [
          { role: 'pod', kubeconfig_file: kubeconfigPath, namespaces: { names: namespaces } },
        ],
        relabel_configs: [
          {
            source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'],
            action: 'keep',
            regex: 'true',
          },
          { source_labels: ['__meta_kubernetes_pod_node_name'], action: 'keep', regex: 'real-0' },
          {
            source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
            action: 'replace',
            regex: '([^:]+)(?::\\d+)?;(\\d+)',
            replacement: '$1:$2',
            target_label: '__address__',
          },
          {
            source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
            action: 'replace',
            regex: '(.+)',
            target_label: '__metrics_path__',
          },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        ],
      },
    ],
  };
  // Debian's Prometheus 2.42 is built without Kubernetes service discovery; the harness builds v3 from the
  // Go module proxy (test/cluster/build-binaries.sh prometheus).
  return startPrometheus([], { rawConfig: config, host: nodeIp, port, binary: binary('prometheus') });
}

/**
 * `helm install` of the chart with the operator image built from operator/Dockerfile, on the real node,
 * watching `namespaces`, leader election on. Resolves when the operator pod is Ready by its own probes.
 */
export async function installOperator(namespace: string, watchNamespaces: string[], extra: string[] = []) {
  const image = imageRefs().operator;
  const [repository, tag] = [image.slice(0, image.lastIndexOf(':')), image.slice(image.lastIndexOf(':') + 1)];
  const values = {
    image: { repository, tag, pullPolicy: 'Never' },
    watchNamespaces,
    leaderElection: { enabled: true },
    nodeSelector: ON_REAL_NODE.nodeSelector,
    tolerations: ON_REAL_NODE.tolerations,
  };
  await helmOk(
    [
      'install',
      'agent-army',
      chartDir,
      '-n',
      namespace,
      '--create-namespace',
      '--values',
      '-',
      '--wait',
      '--timeout',
      '180s',
      ...extra,
    ],
    { input: JSON.stringify(values), timeoutMs: 200_000 },
  );
  return {
    async uninstall() {
      await helm(['uninstall', 'agent-army', '-n', namespace, '--wait', '--timeout', '60s']);
    },
  };
}

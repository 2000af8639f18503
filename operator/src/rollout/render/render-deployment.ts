// The Deployment of one track of one agent: hardened pod, probes on agent-runtime's endpoints, Prometheus
// scrape annotations, env the runtime reads (docs/runtime.md) and the API key only as a secretKeyRef.
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PodSpec,
  V1Probe,
  V1ResourceRequirements,
} from '@kubernetes/client-node';
import type { Agent, AgentArmySpec, AgentVersion, EnvVar } from '../../api/v1alpha1/index.js';
import { HPA_OWNER } from '../autoscale.js';
import { type AgentRef, ANNOTATION, agentLabels, childName, type Track, trackSelector } from '../labels.js';
import { CONFIG_FILE_KEY, CONFIG_MOUNT_PATH, type VersionConfig } from './render-config.js';

export const HTTP_PORT = 8080;
/**
 * The canary's second listener, for mirrored copies only: the RequestMirror filter targets the canary
 * Service's `shadow` port, and the runtime stubs side-effect tools for every request arriving on it.
 */
export const SHADOW_HTTP_PORT = 8081;
/**
 * The canary's pods read the traffic mode a release tells them (the pod annotation agentarmy.dev/traffic)
 * from this downward API file; the kubelet rewrites it when the annotation changes, without a restart.
 */
export const POD_INFO_MOUNT_PATH = '/etc/agent-army/pod';
export const TRAFFIC_FILE_KEY = 'traffic';
/** uid and gid of the agent-runtime image's user. */
export const AGENT_UID = 1000;
export const PRE_STOP_SLEEP_SECONDS = 5;
/** The runtime's default DRAIN_TIMEOUT_SECONDS (in-flight requests after SIGTERM). */
export const DRAIN_TIMEOUT_SECONDS = 25;
export const DEFAULT_RESOURCES: V1ResourceRequirements = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '512Mi' },
};
type ProbeTiming = NonNullable<NonNullable<NonNullable<AgentArmySpec['defaults']>['probes']>['liveness']>;

export interface DeploymentInput {
  namespace: string;
  ref: AgentRef;
  track: Track;
  av: AgentVersion;
  agent: Agent;
  defaults: AgentArmySpec['defaults'];
  serviceAccountName: string | undefined;
  /** The version's config ConfigMap (agent-version controller) and the hash of the file it holds. */
  config: VersionConfig;
  /** Replica count to write; undefined leaves replicas to the HorizontalPodAutoscaler. */
  replicas: number | undefined;
}

function toEnv(list: EnvVar[] | undefined): V1EnvVar[] {
  return (list ?? []).map((e) => ({
    name: e.name,
    ...(e.value !== undefined ? { value: e.value } : {}),
    ...(e.valueFrom ? { valueFrom: e.valueFrom } : {}),
  }));
}

/**
 * Env of the agent container. Later lists override earlier ones by name: army defaults, then the
 * AgentVersion, then the army's agent entry; the runtime's own variables are set by the operator last,
 * so a user env cannot point the agent at another model or leak the key into a literal value.
 */
export function renderEnv(
  input: Pick<DeploymentInput, 'ref' | 'track' | 'av' | 'agent' | 'defaults'>,
): V1EnvVar[] {
  const { av, ref, track } = input;
  const model = av.spec.model;
  const own: V1EnvVar[] = [
    { name: 'AGENT_NAME', value: ref.agent },
    { name: 'AGENT_VERSION', value: av.spec.version },
    { name: 'AGENT_TRACK', value: track },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'MODEL_NAME', value: model.name },
    ...(model.baseURL ? [{ name: 'MODEL_BASE_URL', value: model.baseURL }] : []),
    { name: 'MODEL_TIMEOUT_SECONDS', value: String(model.timeoutSeconds) },
    {
      name: 'OPENAI_API_KEY',
      valueFrom: { secretKeyRef: { name: model.apiKeySecretRef.name, key: model.apiKeySecretRef.key } },
    },
    { name: 'AGENT_CONFIG_FILE', value: `${CONFIG_MOUNT_PATH}/${CONFIG_FILE_KEY}` },
    { name: 'PORT', value: String(HTTP_PORT) },
    ...(input.agent.invokeTokenSecretRef
      ? [
          {
            name: 'INVOKE_TOKEN',
            valueFrom: {
              secretKeyRef: {
                name: input.agent.invokeTokenSecretRef.name,
                key: input.agent.invokeTokenSecretRef.key,
              },
            },
          },
        ]
      : []),
  ];
  const merged = new Map<string, V1EnvVar>();
  for (const e of [...toEnv(input.defaults?.env), ...toEnv(av.spec.env), ...toEnv(input.agent.env), ...own]) {
    merged.delete(e.name); // re-insert so the winner keeps a stable position after the lists it overrides
    merged.set(e.name, e);
  }
  return [...merged.values()];
}

/** The most specific resources win whole: agent entry, AgentVersion, army defaults, built-in default. */
export function resolveResources(
  input: Pick<DeploymentInput, 'av' | 'agent' | 'defaults'>,
): V1ResourceRequirements {
  return (input.agent.resources ??
    input.av.spec.resources ??
    input.defaults?.resources ??
    DEFAULT_RESOURCES) as V1ResourceRequirements;
}

function probe(path: string, timing: ProbeTiming | undefined, fallback: Required<ProbeTiming>): V1Probe {
  return { httpGet: { path, port: 'http' }, ...fallback, ...timing };
}

/**
 * What every pod running the runtime image shares (agent pods and evaluation Jobs): a numeric non-root
 * user — the kubelet can verify runAsNonRoot only for a numeric one, and the image's `node` user is uid
 * 1000 (agent-runtime/Dockerfile); fsGroup lets it read mounted files — and the army's node placement.
 */
export function agentPodSecurityAndPlacement(
  podTemplate: NonNullable<AgentArmySpec['defaults']>['podTemplate'],
): Pick<V1PodSpec, 'securityContext' | 'nodeSelector' | 'tolerations' | 'priorityClassName'> {
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: AGENT_UID,
      runAsGroup: AGENT_UID,
      fsGroup: AGENT_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(podTemplate?.nodeSelector ? { nodeSelector: podTemplate.nodeSelector } : {}),
    ...(podTemplate?.tolerations ? { tolerations: podTemplate.tolerations } : {}),
    ...(podTemplate?.priorityClassName ? { priorityClassName: podTemplate.priorityClassName } : {}),
  };
}

export function renderDeployment(input: DeploymentInput): V1Deployment {
  const { ref, track, av, defaults } = input;
  const version = av.spec.version;
  const labels = agentLabels(ref, { version, track });
  const podTemplate = defaults?.podTemplate;
  const probes = defaults?.probes;
  const container: V1Container = {
    name: 'agent',
    image: av.spec.image,
    ports: [
      { name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' },
      ...(track === 'canary' ? [{ name: 'shadow', containerPort: SHADOW_HTTP_PORT, protocol: 'TCP' }] : []),
    ],
    env: [
      ...renderEnv(input),
      ...(track === 'canary'
        ? [
            { name: 'TRAFFIC_MODE_FILE', value: `${POD_INFO_MOUNT_PATH}/${TRAFFIC_FILE_KEY}` },
            { name: 'SHADOW_PORT', value: String(SHADOW_HTTP_PORT) },
          ]
        : []),
    ],
    resources: resolveResources(input),
    livenessProbe: probe('/livez', probes?.liveness, {
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    }),
    readinessProbe: probe('/readyz', probes?.readiness, {
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    }),
    startupProbe: probe('/readyz', probes?.startup, {
      initialDelaySeconds: 0,
      periodSeconds: 2,
      timeoutSeconds: 2,
      failureThreshold: 30,
    }),
    // The last lines of the log become the termination message when the container fails (a runtime that
    // exits on a bad config says why), and the army's status quotes it.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    },
    // The endpoint controllers and kube-proxy need a moment to stop sending new connections to a pod that
    // is being deleted; the runtime keeps serving meanwhile, then drains on SIGTERM (docs/runtime.md).
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
    volumeMounts: [
      { name: 'agent-config', mountPath: CONFIG_MOUNT_PATH, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      ...(track === 'canary' ? [{ name: 'pod-info', mountPath: POD_INFO_MOUNT_PATH, readOnly: true }] : []),
    ],
  };
  const strategy = input.agent.strategy.rollingUpdate ?? { maxSurge: '25%', maxUnavailable: 0 };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: childName(ref, track),
      namespace: input.namespace,
      labels,
      annotations: {
        [ANNOTATION.agentVersion]: av.metadata.name ?? '',
        // Read by replicaHandover (autoscale.ts): the HPA owns this Deployment's count.
        ...(input.replicas === undefined ? { [ANNOTATION.replicasOwner]: HPA_OWNER } : {}),
      },
    },
    spec: {
      ...(input.replicas !== undefined ? { replicas: input.replicas } : {}),
      selector: { matchLabels: trackSelector(ref, track) },
      strategy: { type: 'RollingUpdate', rollingUpdate: strategy },
      revisionHistoryLimit: 5,
      ...(input.agent.progressDeadlineSeconds
        ? { progressDeadlineSeconds: input.agent.progressDeadlineSeconds }
        : {}),
      template: {
        metadata: {
          labels: { ...podTemplate?.labels, ...labels },
          annotations: {
            ...podTemplate?.annotations,
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(HTTP_PORT),
            'prometheus.io/path': '/metrics',
            [ANNOTATION.configHash]: input.config.hash,
            [ANNOTATION.agentVersion]: av.metadata.name ?? '',
          },
        },
        spec: {
          ...(input.serviceAccountName ? { serviceAccountName: input.serviceAccountName } : {}),
          automountServiceAccountToken: false,
          ...agentPodSecurityAndPlacement(podTemplate),
          // preStop sleep, then the runtime's own drain (DRAIN_TIMEOUT_SECONDS), within the grace period.
          terminationGracePeriodSeconds: PRE_STOP_SLEEP_SECONDS + DRAIN_TIMEOUT_SECONDS + 5,
          containers: [container],
          volumes: [
            { name: 'agent-config', configMap: { name: input.config.name } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            // Only the canary track is ever mirrored to: the stable pods' template stays as it was.
            ...(track === 'canary'
              ? [
                  {
                    name: 'pod-info',
                    downwardAPI: {
                      items: [
                        {
                          path: TRAFFIC_FILE_KEY,
                          fieldRef: { fieldPath: `metadata.annotations['${ANNOTATION.traffic}']` },
                        },
                      ],
                    },
                  },
                ]
              : []),
          ],
        },
      },
    },
  };
}

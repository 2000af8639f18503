// The Job of a CanaryRelease `evaluation` step (docs/analysis.md, "Evaluation step"). Its pod runs both
// versions as native sidecars (init containers with restartPolicy Always) — the canary on :8080, the
// stable version on :8081, each from its own image with the env and config file its agent pods get — and
// agent-runtime's `evaluate` entry as the main container, which replays the dataset against both on
// localhost and writes its report to the termination message. So the evaluation needs no canary pod and
// no Service: no user request can reach the canary, and none of the evaluation reaches the users' stable
// pods or their metrics. The pod carries no army/agent label, so no agent Service selects it.
import { createHash } from 'node:crypto';
import type { V1Container, V1EnvVar, V1Job, V1Probe } from '@kubernetes/client-node';
import type { Agent, AgentArmySpec, AgentVersion, EvaluationStep } from '../../api/v1alpha1/index.js';
import { parseDuration } from '../../api/v1alpha1/index.js';
import { type AgentRef, ANNOTATION, labelValue, MANAGER } from '../labels.js';
import { CONFIG_MOUNT_PATH, versionConfigName } from './render-config.js';
import { agentPodSecurityAndPlacement, renderEnv, resolveResources } from './render-deployment.js';

export const EVALUATION_COMPONENT = 'evaluation';
/** Label on an evaluation Job and its pod: the CanaryRelease it belongs to. */
export const RELEASE_LABEL = 'agentarmy.dev/release';
/** The main container; its termination message is the report. */
export const EVALUATE_CONTAINER = 'evaluate';
export const EVALUATION_PORTS = { canary: 8080, stable: 8081 } as const;
export const DATASET_MOUNT_PATH = '/etc/dataset';
export const DATASET_FILE = 'dataset.jsonl';
/** A finished Job (and its pod, with the report) is kept this long for `kubectl describe`. */
export const EVALUATION_TTL_SECONDS = 3600;

/**
 * The Job's name: the release, the step and a hash of the canary version and the run's start, so a
 * restarted operator finds the same Job, and a new run (resume, retry) gets a new one. ≤ 63 characters
 * (the Job controller puts the name into a label of its pod).
 */
export function evaluationJobName(release: string, stepIndex: number, version: string, runStartedAt: string) {
  const digest = createHash('sha256').update(`${version}\n${runStartedAt}`).digest('hex').slice(0, 10);
  const suffix = `-eval${stepIndex}-${digest}`;
  return `${release.slice(0, 63 - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
}

export interface EvaluationJobInput {
  namespace: string;
  release: string;
  name: string;
  ref: AgentRef;
  step: EvaluationStep;
  canary: AgentVersion;
  stable: AgentVersion;
  agent: Agent;
  defaults: AgentArmySpec['defaults'];
}

const startup = (port: number): V1Probe => ({
  httpGet: { path: '/readyz', port },
  periodSeconds: 1,
  timeoutSeconds: 2,
  failureThreshold: 120,
});

const hardened = {
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
};

/** One version as a native sidecar: its image, env (PORT moved), config file and resources. */
function sidecar(input: EvaluationJobInput, track: 'canary' | 'stable'): V1Container {
  const av = input[track];
  const port = EVALUATION_PORTS[track];
  const env = renderEnv({ ref: input.ref, track, av, agent: input.agent, defaults: input.defaults }).map(
    (e): V1EnvVar => (e.name === 'PORT' ? { name: 'PORT', value: String(port) } : e),
  );
  return {
    name: track,
    image: av.spec.image,
    restartPolicy: 'Always',
    env,
    ports: [{ name: track, containerPort: port, protocol: 'TCP' }],
    resources: resolveResources({ av, agent: input.agent, defaults: input.defaults }),
    startupProbe: startup(port),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: hardened,
    volumeMounts: [
      { name: `${track}-config`, mountPath: CONFIG_MOUNT_PATH, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}

export function renderEvaluationJob(input: EvaluationJobInput): V1Job {
  const { canary, step } = input;
  const podTemplate = input.defaults?.podTemplate;
  const labels = {
    'app.kubernetes.io/name': input.ref.agent,
    'app.kubernetes.io/component': EVALUATION_COMPONENT,
    'app.kubernetes.io/part-of': input.ref.army,
    'app.kubernetes.io/managed-by': MANAGER,
    [RELEASE_LABEL]: labelValue(input.release),
  };
  // The judge (spec.judge of the canary version) with the canary's model key and base URL, as its pods
  // resolve it; the dataset as a file; the two versions on localhost.
  const env: V1EnvVar[] = [
    ...renderEnv({
      ref: input.ref,
      track: 'canary',
      av: canary,
      agent: input.agent,
      defaults: input.defaults,
    }),
    { name: 'CANARY_URL', value: `http://127.0.0.1:${EVALUATION_PORTS.canary}` },
    { name: 'STABLE_URL', value: `http://127.0.0.1:${EVALUATION_PORTS.stable}` },
    { name: 'DATASET_FILE', value: `${DATASET_MOUNT_PATH}/${DATASET_FILE}` },
  ];
  const evaluate: V1Container = {
    name: EVALUATE_CONTAINER,
    image: canary.spec.image,
    command: ['node', 'agent-runtime/dist/evaluate.js'],
    env,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    // The report is written to /dev/termination-log; only a crash falls back to the log's tail.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: hardened,
    volumeMounts: [
      { name: 'canary-config', mountPath: CONFIG_MOUNT_PATH, readOnly: true },
      { name: 'dataset', mountPath: DATASET_MOUNT_PATH, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...labels, 'app.kubernetes.io/instance': input.name },
      annotations: { [ANNOTATION.agentVersion]: canary.metadata.name ?? '' },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.max(1, Math.ceil(parseDuration(step.timeout) / 1000)),
      ttlSecondsAfterFinished: EVALUATION_TTL_SECONDS,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...agentPodSecurityAndPlacement(podTemplate),
          terminationGracePeriodSeconds: 5,
          initContainers: [sidecar(input, 'canary'), sidecar(input, 'stable')],
          containers: [evaluate],
          volumes: [
            { name: 'canary-config', configMap: { name: versionConfigName(canary.metadata.name ?? '') } },
            {
              name: 'stable-config',
              configMap: { name: versionConfigName(input.stable.metadata.name ?? '') },
            },
            {
              name: 'dataset',
              configMap: {
                name: step.dataset.configMapRef.name,
                items: [{ key: step.dataset.configMapRef.key, path: DATASET_FILE }],
              },
            },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}

/** Labels that select the evaluation Jobs of one release (the controller's watch maps them back). */
export function evaluationJobSelector(release: string): Record<string, string> {
  return { 'app.kubernetes.io/component': EVALUATION_COMPONENT, [RELEASE_LABEL]: labelValue(release) };
}

// Fixtures for the progressive-delivery unit tests, parsed through the real zod schemas so defaults apply
// exactly as they do for objects read from the cluster.
import type { V1Deployment } from '@kubernetes/client-node';
import {
  AgentVersion,
  type AnalysisRunStatus,
  CanaryRelease,
  type CanaryReleaseStatus,
  type Measurement,
} from '../api/v1alpha1/index.js';
import type { CanaryObserved } from './canary/types.js';
import { ANNOTATION } from './labels.js';
import { renderAgentConfig, type VersionConfig, versionConfigName } from './render/render-config.js';

export const T0 = new Date('2026-11-23T10:00:00Z');
/** T0 plus `s` seconds. */
export const at = (s: number) => new Date(T0.getTime() + s * 1000);
export const iso = (s: number) => at(s).toISOString().replace('.000Z', 'Z');

export const ANALYSIS = {
  provider: { prometheus: { address: 'http://prometheus.monitoring:9090' } },
  interval: '10s',
  count: 3,
  maxErrorRate: 0.05,
};

export const STEPS = [
  { setWeight: 10 },
  { analysis: {} },
  { setWeight: 50 },
  { pause: { duration: '30s' } },
  { setWeight: 100 },
];

export function release(
  spec: Record<string, unknown> = {},
  status?: Partial<CanaryReleaseStatus>,
): CanaryRelease {
  return CanaryRelease.parse({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name: 'orch', namespace: 'team', generation: 2 },
    spec: {
      targetRef: { army: 'support', agent: 'orchestrator' },
      steps: STEPS,
      analysis: ANALYSIS,
      ...spec,
    },
    ...(status ? { status } : {}),
  });
}

/** A live Deployment whose rollout finished (or not) as the controller-manager reports it. */
export function deployment(avName: string, replicas: number, ready = replicas): V1Deployment {
  return {
    metadata: { name: 'd', generation: 1, annotations: { [ANNOTATION.agentVersion]: avName } },
    spec: { replicas, selector: {}, template: {} },
    status: {
      observedGeneration: 1,
      replicas,
      updatedReplicas: ready,
      readyReplicas: ready,
      availableReplicas: ready,
    },
  };
}

export function observed(rel: CanaryRelease, over: Partial<CanaryObserved> = {}): CanaryObserved {
  return {
    release: rel,
    desiredVersion: 'v2',
    stableVersion: 'v1',
    totalReplicas: 10,
    canary: { deployment: undefined, crashLooping: false },
    stable: { deployment: deployment('v1', 10) },
    ...over,
  };
}

/** A status in the middle of the v1 → v2 release at step `i`. */
export function midRelease(i: number, over: Partial<CanaryReleaseStatus> = {}): Partial<CanaryReleaseStatus> {
  return {
    phase: 'Progressing',
    fromVersion: 'v1',
    toVersion: 'v2',
    startedAt: iso(0),
    currentStepIndex: i,
    stepStartedAt: iso(0),
    canaryWeight: 10,
    analysisRuns: [],
    ...over,
  };
}

export function measurement(
  result: Measurement['result'],
  value: number | undefined,
  s: number,
): Measurement {
  return {
    metric: 'error-rate',
    result,
    ...(value !== undefined ? { value } : {}),
    threshold: '<= 0.05',
    query: 'sum(rate(agent_requests_total{outcome=~"error|timeout"}[5m]))',
    time: iso(s),
  };
}

export function run(
  phase: AnalysisRunStatus['phase'],
  ms: Measurement[],
  stepIndex = 1,
  startedAt = iso(0),
): AnalysisRunStatus {
  const count = (r: Measurement['result']) => ms.filter((m) => m.result === r).length;
  return {
    stepIndex,
    version: 'v2',
    phase,
    startedAt,
    successful: count('Pass'),
    failed: count('Fail'),
    inconclusive: count('Inconclusive'),
    errors: count('Error'),
    consecutiveErrors: 0,
    measurements: ms,
  };
}

export function version(name: string, version: string, extra: Record<string, unknown> = {}): AgentVersion {
  return AgentVersion.parse({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name, namespace: 'team' },
    spec: {
      agent: 'orchestrator',
      version,
      image: `example.invalid/agent-runtime:${version}`,
      model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      systemPrompt: 'You are helpful.',
      ...extra,
    },
  });
}

/** The config a version's ConfigMap holds once the AgentVersion controller wrote it (inline prompt). */
export function configOf(av: AgentVersion): VersionConfig {
  return {
    name: versionConfigName(av.metadata.name ?? ''),
    hash: renderAgentConfig(av, av.spec.systemPrompt).hash,
  };
}

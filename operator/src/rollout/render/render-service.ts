// Service, HorizontalPodAutoscaler and PodDisruptionBudget of one agent.
import type { V1PodDisruptionBudget, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Autoscaling } from '../../api/v1alpha1/index.js';
import {
  type AgentRef,
  agentLabels,
  agentSelector,
  childName,
  type Track,
  trackSelector,
} from '../labels.js';

export const SERVICE_PORT = 80;
/** The canary Service's port for mirrored copies (targetPort `shadow`, the runtime's SHADOW_PORT). */
export const SHADOW_SERVICE_PORT = 8081;

/**
 * The agent's Service. Without a track it selects every pod of the agent (stable and canary: the
 * `replicas` traffic mode splits by pod count); with a track it selects that track only.
 */
export function renderService(input: {
  namespace: string;
  ref: AgentRef;
  name?: string;
  track?: Track;
  /** Also expose the pods' `shadow` port (the canary Service under gatewayAPI, which mirror steps target). */
  shadow?: boolean;
}): V1Service {
  const selector = input.track ? trackSelector(input.ref, input.track) : agentSelector(input.ref);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: input.name ?? childName(input.ref),
      namespace: input.namespace,
      labels: agentLabels(input.ref),
    },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [
        { name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP' },
        ...(input.shadow
          ? [{ name: 'shadow', port: SHADOW_SERVICE_PORT, targetPort: 'shadow', protocol: 'TCP' }]
          : []),
      ],
    },
  };
}

/** The agent's HPA `<army>-<agent>`, scaling the Deployment of `track` (stable, or the active color). */
export function renderHpa(input: {
  namespace: string;
  ref: AgentRef;
  track: Track;
  autoscaling: Autoscaling;
}): V2HorizontalPodAutoscaler {
  const a = input.autoscaling;
  const utilization = (name: string, averageUtilization: number) => ({
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  });
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: childName(input.ref),
      namespace: input.namespace,
      labels: agentLabels(input.ref, { track: input.track }),
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: childName(input.ref, input.track) },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [utilization('cpu', a.targetCPUUtilization), utilization('memory', a.targetMemoryUtilization)],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: a.scaleUpStabilizationSeconds,
          ...(a.scaleUpPolicies ? { selectPolicy: 'Max', policies: a.scaleUpPolicies } : {}),
        },
        scaleDown: {
          stabilizationWindowSeconds: a.scaleDownStabilizationSeconds,
          ...(a.scaleDownPolicies ? { selectPolicy: 'Max', policies: a.scaleDownPolicies } : {}),
        },
      },
    },
  };
}

/** The lowest replica count the agent runs at: the HPA minimum, or the fixed count. */
export function minimumReplicas(replicas: number, autoscaling: Autoscaling | undefined): number {
  return autoscaling ? autoscaling.minReplicas : replicas;
}

/** A PDB keeping all but one pod of the agent during voluntary disruptions; only when ≥ 2 pods. */
export function renderPdb(input: {
  namespace: string;
  ref: AgentRef;
  minReplicas: number;
}): V1PodDisruptionBudget | undefined {
  if (input.minReplicas < 2) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: childName(input.ref), namespace: input.namespace, labels: agentLabels(input.ref) },
    spec: { maxUnavailable: 1, selector: { matchLabels: agentSelector(input.ref) } },
  };
}

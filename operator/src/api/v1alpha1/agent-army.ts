// AgentArmy: the fleet. Each agent runs one AgentVersion and rolls to a new one by its strategy.
import { z } from 'zod';
import { AnalysisRuns, AnalysisSpec } from './analysis.js';
import {
  API_VERSION,
  dnsLabel,
  dnsSubdomain,
  EnvList,
  intOrString,
  ObjectMeta,
  ResourceRequirements,
  SecretKeySelector,
  timestamp,
} from './common.js';
import { Conditions } from './conditions.js';
import { ControlRequest, ControlResult } from './control.js';
import { type CheckedRule, mapList, withRules } from './rules.js';

const PERCENT_PATTERN = /^(100|[1-9]?[0-9])%$/;
const seconds = (max: number) => z.int().min(0).max(max);

const ScalingPolicy = z
  .object({
    type: z.enum(['Pods', 'Percent']).describe('Pods: a pod count; Percent: a share of the current pods.'),
    value: z.int().min(1).max(1000).describe('Pods or percent the HPA may add (or remove) per period.'),
    periodSeconds: z.int().min(1).max(1800).describe('Length of the period, seconds.'),
  })
  .describe('A rate limit of the HPA: at most `value` pods or percent per `periodSeconds`.');
const policies = (way: string) =>
  z
    .array(ScalingPolicy)
    .min(1)
    .max(4)
    .optional()
    .describe(
      `Rate limits of scaling ${way}; the most permissive applies (HPA selectPolicy Max). Default: the Kubernetes HPA defaults.`,
    );

export const Autoscaling = withRules(
  z.object({
    minReplicas: z.int().min(1).max(1000).default(2).describe('Lower bound of the HorizontalPodAutoscaler.'),
    maxReplicas: z.int().min(1).max(1000).default(10).describe('Upper bound of the HorizontalPodAutoscaler.'),
    targetCPUUtilization: z
      .int()
      .min(1)
      .max(100)
      .default(70)
      .describe('Average CPU utilization target, percent.'),
    targetMemoryUtilization: z
      .int()
      .min(1)
      .max(100)
      .default(80)
      .describe('Average memory utilization target, percent.'),
    scaleUpStabilizationSeconds: seconds(3600).default(0).describe('Scale-up stabilization window.'),
    scaleDownStabilizationSeconds: seconds(3600).default(300).describe('Scale-down stabilization window.'),
    scaleUpPolicies: policies('up'),
    scaleDownPolicies: policies('down'),
  }),
  [
    {
      rule: 'self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must be <= maxReplicas',
      fieldPath: '.minReplicas',
      check: (v) => v.minReplicas <= v.maxReplicas,
    },
  ],
).describe('Run a HorizontalPodAutoscaler instead of a fixed replica count.');
export type Autoscaling = z.infer<typeof Autoscaling>;

const surge = (what: string) =>
  intOrString(z.int().min(0).max(1000), z.string().regex(PERCENT_PATTERN)).describe(
    `${what}: a pod count or a percentage such as 25%.`,
  );

export const RollingUpdateStrategy = z
  .object({
    maxSurge: surge('Pods above the desired count during an update').default('25%'),
    maxUnavailable: surge('Pods that may be unavailable during an update').default(0),
  })
  .describe('Parameters of a Deployment rolling update.');
export type RollingUpdateStrategy = z.infer<typeof RollingUpdateStrategy>;

export const BlueGreenStrategy = z
  .object({
    autoPromote: z
      .boolean()
      .default(true)
      .describe('Switch traffic as soon as the new color is Ready (and analysed).'),
    scaleDownDelaySeconds: seconds(86400)
      .default(30)
      .describe('Keep the old color this long after the switch.'),
    previewReplicas: z
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Replicas of the new color before the switch.'),
    prePromotionAnalysis: AnalysisSpec.optional().describe(
      'Analysis of the preview color before the switch.',
    ),
  })
  .describe('Two colors of Deployment; the active Service switches after the new color is Ready.');
export type BlueGreenStrategy = z.infer<typeof BlueGreenStrategy>;

export const CanaryStrategy = z
  .object({
    canaryReleaseRef: z
      .object({ name: dnsSubdomain().describe('CanaryRelease name in the same namespace.') })
      .describe('The CanaryRelease driving the steps of this agent.'),
  })
  .describe('Weighted steps and analysis, driven by a CanaryRelease.');

export const StrategyType = z
  .enum(['RollingUpdate', 'BlueGreen', 'Canary'])
  .describe('RollingUpdate, BlueGreen or Canary.');
export type StrategyType = z.infer<typeof StrategyType>;

export const Strategy = withRules(
  z.object({
    type: StrategyType.default('RollingUpdate'),
    rollingUpdate: RollingUpdateStrategy.optional(),
    blueGreen: BlueGreenStrategy.optional(),
    canary: CanaryStrategy.optional(),
  }),
  [
    {
      rule: "self.type != 'Canary' || has(self.canary)",
      message: 'canary is required when type is Canary',
      fieldPath: '.canary',
      reason: 'FieldValueRequired',
      check: (v) => v.type !== 'Canary' || v.canary !== undefined,
    },
    {
      rule: "!has(self.rollingUpdate) || self.type == 'RollingUpdate'",
      message: 'rollingUpdate is only allowed when type is RollingUpdate',
      fieldPath: '.rollingUpdate',
      check: (v) => v.rollingUpdate === undefined || v.type === 'RollingUpdate',
    },
    {
      rule: "!has(self.blueGreen) || self.type == 'BlueGreen'",
      message: 'blueGreen is only allowed when type is BlueGreen',
      fieldPath: '.blueGreen',
      check: (v) => v.blueGreen === undefined || v.type === 'BlueGreen',
    },
    {
      rule: "!has(self.canary) || self.type == 'Canary'",
      message: 'canary is only allowed when type is Canary',
      fieldPath: '.canary',
      check: (v) => v.canary === undefined || v.type === 'Canary',
    },
  ],
).describe('How a version change of this agent is rolled out.');
export type Strategy = z.infer<typeof Strategy>;

export const Agent = z
  .object({
    name: dnsLabel().describe('Agent name, unique in the army; must equal spec.agent of the AgentVersion.'),
    version: dnsSubdomain().describe('Name of the AgentVersion to run (same namespace).'),
    replicas: z.int().min(0).max(1000).default(1).describe('Pods when autoscaling is not set.'),
    autoscaling: Autoscaling.optional(),
    strategy: Strategy.prefault({ type: 'RollingUpdate' }),
    allowBreakingUpgrade: z
      .boolean()
      .default(false)
      .describe('Allow upgrading to a version that is outside compatibleWith or lists breakingChanges.'),
    resources: ResourceRequirements.optional().describe('Overrides defaults.resources and the AgentVersion.'),
    env: EnvList.optional().describe('Added to (and overriding) defaults.env and the AgentVersion env.'),
    invokeTokenSecretRef: SecretKeySelector.optional().describe(
      'A Secret key (in this namespace) holding a bearer token that callers of /v1/invoke must send ' +
        '(Authorization: Bearer …); without it the endpoint is open to whatever reaches the Service.',
    ),
    progressDeadlineSeconds: z
      .int()
      .min(10)
      .max(86400)
      .optional()
      .describe(
        'How long a rollout of this agent may go without progress before the agent is Degraded ' +
          '(ProgressDeadlineExceeded); the Deployment’s progressDeadlineSeconds, 600 when unset.',
      ),
  })
  .describe('One agent of the army.');
export type Agent = z.infer<typeof Agent>;

export const Probe = z
  .object({
    initialDelaySeconds: seconds(3600).optional().describe('Delay before the first probe.'),
    periodSeconds: z.int().min(1).max(3600).optional().describe('Time between probes.'),
    timeoutSeconds: z.int().min(1).max(3600).optional().describe('Timeout of one probe.'),
    failureThreshold: z.int().min(1).max(1000).optional().describe('Failures before the probe fails.'),
  })
  .describe('Timing of one probe; the operator sets the HTTP path and port.');

export const Toleration = z
  .object({
    key: z.string().max(316).optional().describe('Taint key; empty with Exists matches all taints.'),
    operator: z.enum(['Exists', 'Equal']).optional().describe('Exists or Equal (default Equal).'),
    value: z.string().max(63).optional().describe('Taint value for Equal.'),
    effect: z
      .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])
      .optional()
      .describe('Taint effect to match.'),
    tolerationSeconds: z.int().optional().describe('How long a NoExecute taint is tolerated.'),
  })
  .describe('A Pod toleration.');

const stringMap = (what: string) =>
  z.record(z.string().max(316), z.string().max(4096)).optional().describe(what);

export const PodTemplateDefaults = z
  .object({
    labels: stringMap('Extra pod labels (the operator’s own labels win).'),
    annotations: stringMap('Extra pod annotations.'),
    nodeSelector: stringMap('Pod nodeSelector.'),
    tolerations: z.array(Toleration).max(32).optional().describe('Pod tolerations.'),
    priorityClassName: z.string().max(253).optional().describe('Pod priorityClassName.'),
  })
  .describe('Pod template settings applied to every agent.');

export const ArmyDefaults = z
  .object({
    resources: ResourceRequirements.optional(),
    env: EnvList.optional(),
    probes: z
      .object({
        liveness: Probe.optional().describe('Liveness probe on /livez.'),
        readiness: Probe.optional().describe('Readiness probe on /readyz.'),
        startup: Probe.optional().describe('Startup probe on /readyz.'),
      })
      .optional()
      .describe('Probe timings.'),
    podTemplate: PodTemplateDefaults.optional(),
  })
  .describe('Settings for all agents; an agent’s own fields override them.');

export const AgentArmySpec = z
  .object({
    agents: mapList(Agent, 'name', { min: 1, max: 32 }).describe('Agents of the army, unique by name.'),
    defaults: ArmyDefaults.optional(),
    serviceAccountName: dnsSubdomain().optional().describe('ServiceAccount of the agent pods.'),
  })
  .describe('Desired state of an AgentArmy.');
export type AgentArmySpec = z.infer<typeof AgentArmySpec>;

export const ArmyPhase = z.enum(['Pending', 'Progressing', 'Ready', 'Degraded']);
export type ArmyPhase = z.infer<typeof ArmyPhase>;

export const AgentStatus = z
  .object({
    name: dnsLabel().describe('Agent name.'),
    phase: ArmyPhase.describe('Pending, Progressing, Ready or Degraded.'),
    reason: z
      .string()
      .max(128)
      .optional()
      .describe(
        'Why the agent is not Ready, as one word: e.g. CreateContainerConfigError, ImagePullBackOff, ' +
          'CrashLoopBackOff, Unschedulable (from its pods), ProgressDeadlineExceeded.',
      ),
    stableVersion: z.string().max(253).optional().describe('AgentVersion serving all (stable) traffic.'),
    desiredVersion: z.string().max(253).optional().describe('AgentVersion the spec asks for.'),
    replicas: z.int().min(0).optional().describe('Pods of the agent (all tracks/colors).'),
    readyReplicas: z.int().min(0).default(0).describe('Ready pods of the agent.'),
    updatedReplicas: z.int().min(0).optional().describe('Pods at the desired version.'),
    activeColor: z.enum(['blue', 'green']).optional().describe('BlueGreen: color behind the active Service.'),
    previewColor: z
      .enum(['blue', 'green'])
      .optional()
      .describe('BlueGreen: color behind the preview Service.'),
    colorVersions: z
      .object({
        blue: z.string().max(253).optional().describe('AgentVersion of the blue Deployment.'),
        green: z.string().max(253).optional().describe('AgentVersion of the green Deployment.'),
      })
      .optional()
      .describe('BlueGreen: AgentVersion of each color.'),
    switchedAt: timestamp().optional().describe('BlueGreen: when the active Service last switched.'),
    scaleDownAt: timestamp().optional().describe('BlueGreen: when the previous color is scaled to zero.'),
    analysisRuns: AnalysisRuns.optional().describe('BlueGreen: pre-promotion analysis runs.'),
    canaryRelease: z.string().max(253).optional().describe('Canary: the CanaryRelease driving this agent.'),
    message: z.string().max(1024).optional().describe('Why the agent is in this phase.'),
  })
  .describe('Observed state of one agent.');
export type AgentStatus = z.infer<typeof AgentStatus>;

export const AgentArmyStatus = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the status reflects.'),
    phase: ArmyPhase.optional().describe(
      'Summary of the conditions: Pending, Progressing, Ready or Degraded.',
    ),
    ready: z
      .string()
      .max(32)
      .regex(/^[0-9]+\/[0-9]+$/)
      .optional()
      .describe('Ready agents over agents, e.g. 2/3.'),
    conditions: Conditions.optional(),
    agents: mapList(AgentStatus, 'name', { max: 32 }).optional().describe('Per-agent state.'),
    control: ControlRequest.optional().describe('Manual request (blue-green promote/abort of one agent).'),
    lastControl: ControlResult.optional(),
  })
  .describe('Observed state of an AgentArmy.');
export type AgentArmyStatus = z.infer<typeof AgentArmyStatus>;

/** The longest suffix of a child name: `<army>-<agent>-preview` (a blue-green Service). */
export const LONGEST_CHILD_SUFFIX = '-preview';
/** Services are DNS-1035 labels: at most 63 characters, so army name + agent name ≤ 54. */
export const MAX_ARMY_AND_AGENT_NAME = 63 - 1 - LONGEST_CHILD_SUFFIX.length;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

type ArmyNames = { metadata: { name?: string | undefined }; spec: { agents: { name: string }[] } };

/**
 * What the army's name must allow for the children named after it, checked at admission (the apiserver
 * cannot know them): Services are DNS-1035 labels (`<army>-<agent>-preview` at most 63 characters, first
 * a letter, no dots), and the army name is a label value on every child.
 */
export const ARMY_ROOT_RULES: CheckedRule<ArmyNames>[] = [
  {
    rule: "!has(self.metadata.name) || self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message:
      'metadata.name must be a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, no dots): it begins the names of the army’s Services',
    check: (v) => v.metadata.name === undefined || DNS_1035.test(v.metadata.name),
  },
  {
    rule: `!has(self.metadata.name) || self.spec.agents.all(a, size(self.metadata.name) + size(a.name) <= ${MAX_ARMY_AND_AGENT_NAME})`,
    message: `metadata.name and each spec.agents[].name together must be at most ${MAX_ARMY_AND_AGENT_NAME} characters: <army>-<agent>${LONGEST_CHILD_SUFFIX} names a Service (at most 63)`,
    check: (v) =>
      v.metadata.name === undefined ||
      v.spec.agents.every((a) => (v.metadata.name?.length ?? 0) + a.name.length <= MAX_ARMY_AND_AGENT_NAME),
  },
];

export const AgentArmy = withRules(
  z.object({
    apiVersion: z.literal(API_VERSION).describe('agentarmy.dev/v1alpha1'),
    kind: z.literal('AgentArmy').describe('AgentArmy'),
    metadata: ObjectMeta,
    spec: AgentArmySpec,
    status: AgentArmyStatus.optional(),
  }),
  ARMY_ROOT_RULES,
).describe('A fleet of agents, each running one AgentVersion and rolled out by its strategy.');
export type AgentArmy = z.infer<typeof AgentArmy>;

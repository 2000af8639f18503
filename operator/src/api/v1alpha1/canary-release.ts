// CanaryRelease: the weighted steps, analysis and rollback policy of one canary agent of an army.
import { z } from 'zod';
import { AnalysisRuns, AnalysisSpec } from './analysis.js';
import { API_VERSION, dnsLabel, dnsSubdomain, duration, ObjectMeta, timestamp } from './common.js';
import { Conditions } from './conditions.js';
import { ControlRequest, ControlResult } from './control.js';
import { EvaluationStep } from './evaluation.js';
import { ModelDrift } from './gates.js';
import { withRules } from './rules.js';

export const HEADER_NAME_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export const MirrorStep = z
  .object({
    percent: z
      .int()
      .min(1)
      .max(100)
      .describe('Share of the live requests copied to the canary (HTTPRoute RequestMirror percent).'),
    duration: duration().describe(
      'How long the canary gets the copies; with spec.analysis the step also waits for a passing run.',
    ),
  })
  .describe(
    'Shadow traffic (gatewayAPI only): copy a share of the live requests to the canary while users get only ' +
      'stable’s answers; canary weight 0, canary pods told they are shadow (no side-effect tools); ' +
      'spec.analysis, when set, runs on the copies.',
  );
export type MirrorStep = z.infer<typeof MirrorStep>;

export const CanaryStep = withRules(
  z.object({
    setWeight: z.int().min(0).max(100).optional().describe('Send this percentage of traffic to the canary.'),
    pause: z
      .object({ duration: duration().optional().describe('How long to wait; until promoted when absent.') })
      .optional()
      .describe('Wait for a duration, or until promoted.'),
    analysis: z
      .object({
        count: z.int().min(1).max(1000).optional().describe('Overrides spec.analysis.count.'),
        interval: duration().optional().describe('Overrides spec.analysis.interval.'),
      })
      .optional()
      .describe('Run spec.analysis at the current weight; a failed run rolls back.'),
    evaluation: EvaluationStep.optional(),
    mirror: MirrorStep.optional(),
  }),
  [
    {
      rule:
        '(has(self.setWeight) ? 1 : 0) + (has(self.pause) ? 1 : 0) + (has(self.analysis) ? 1 : 0) + ' +
        '(has(self.evaluation) ? 1 : 0) + (has(self.mirror) ? 1 : 0) == 1',
      message: 'each step must set exactly one of setWeight, pause, analysis, evaluation and mirror',
      check: (v) =>
        [v.setWeight, v.pause, v.analysis, v.evaluation, v.mirror].filter((x) => x !== undefined).length ===
        1,
    },
  ],
).describe('One step: exactly one of setWeight, pause, analysis, evaluation and mirror.');
export type CanaryStep = z.infer<typeof CanaryStep>;

export const Cohort = z
  .object({
    header: z
      .string()
      .min(1)
      .max(256)
      .regex(HEADER_NAME_PATTERN)
      .describe('HTTP header, e.g. x-workspace-id.'),
    values: z
      .array(z.string().min(1).max(256))
      .min(1)
      .max(64)
      .describe('Header values routed to the canary regardless of weight.'),
  })
  .describe('Requests whose header matches one of the values always go to the canary.');

export const TrafficRouting = withRules(
  z.object({
    gatewayAPI: z
      .object({
        httpRoute: dnsSubdomain().describe('HTTPRoute whose backendRefs the operator weights.'),
        namespace: dnsLabel()
          .optional()
          .describe(
            'Namespace of the HTTPRoute: the release’s own (the default). A release acts only within ' +
              'its namespace: a route in another namespace is refused (Ready=False ' +
              'CrossNamespaceRouteRefused, a Warning Event) and never touched.',
          ),
      })
      .optional()
      .describe('Split traffic by weights on a Gateway API HTTPRoute. Without it, replicas are split.'),
    cohorts: z
      .array(Cohort)
      .max(16)
      .optional()
      .describe('Header cohorts routed to the canary (gatewayAPI only).'),
  }),
  [
    {
      rule: '!has(self.cohorts) || has(self.gatewayAPI)',
      message: 'cohorts need gatewayAPI traffic routing',
      fieldPath: '.cohorts',
      check: (v) => v.cohorts === undefined || v.gatewayAPI !== undefined,
    },
  ],
).describe('How traffic is split. Default: by replica count behind one Service (no mesh needed).');

export const RollbackOn = z
  .object({
    analysisFailure: z.boolean().default(true).describe('Roll back when an analysis run fails.'),
    podCrashLoop: z.boolean().default(true).describe('Roll back when canary pods crash-loop.'),
    progressDeadline: z
      .boolean()
      .default(true)
      .describe('Roll back when canary pods are not Ready within progressDeadlineSeconds.'),
  })
  .describe('What rolls the release back automatically; otherwise it pauses.');

export const Lockstep = z
  .object({
    group: dnsLabel().describe(
      'Group name. The releases of the same army and namespace with this group move step by step ' +
        'together; a member that rolls back (failure or abort) rolls every member back.',
    ),
  })
  .describe(
    'Release this agent in lockstep with other agents of the army: no member leaves a step before every ' +
      'member has completed it. Members target different agents and have the same number of steps.',
  );

export const CanaryReleaseSpec = withRules(
  z.object({
    targetRef: z
      .object({
        army: dnsSubdomain().describe('AgentArmy name in the same namespace.'),
        agent: dnsLabel().describe('Agent of that army (its strategy must be Canary).'),
      })
      .describe('The agent this release drives.'),
    steps: withRules(z.array(CanaryStep).min(1).max(32), [
      {
        rule: 'self.filter(s, has(s.setWeight)).map(s, s.setWeight).isSorted()',
        message: 'setWeight values must be non-decreasing',
        check: (steps) => {
          const w = steps.flatMap((s) => (s.setWeight === undefined ? [] : [s.setWeight]));
          return w.every((x, i) => i === 0 || x >= (w[i - 1] ?? 0));
        },
      },
    ]).describe('Steps run in order; on the last one the canary becomes stable.'),
    analysis: AnalysisSpec.optional(),
    trafficRouting: TrafficRouting.prefault({}),
    progressDeadlineSeconds: z
      .int()
      .min(1)
      .max(86400)
      .default(600)
      .describe('Canary pods must be Ready within this after a step starts.'),
    rollbackOn: RollbackOn.prefault({}),
    lockstep: Lockstep.optional(),
  }),
  [
    {
      rule: '!self.steps.exists(s, has(s.analysis)) || has(self.analysis)',
      message: 'analysis is required when a step has analysis',
      fieldPath: '.analysis',
      reason: 'FieldValueRequired',
      check: (v) => !v.steps.some((s) => s.analysis !== undefined) || v.analysis !== undefined,
    },
  ],
).describe('Desired behaviour of a canary release.');
export type CanaryReleaseSpec = z.infer<typeof CanaryReleaseSpec>;

export const CanaryPhase = z
  .enum(['Idle', 'Progressing', 'Paused', 'Promoted', 'RolledBack', 'Failed'])
  .describe('Idle, Progressing, Paused, Promoted, RolledBack or Failed.');
export type CanaryPhase = z.infer<typeof CanaryPhase>;

export const LockstepStatus = z
  .object({
    name: dnsLabel().describe('spec.lockstep.group.'),
    members: z
      .array(z.string().max(253))
      .max(64)
      .describe('Releases of the group (this one included), by name.'),
    step: z
      .int()
      .min(0)
      .optional()
      .describe('The group’s step: the lowest step index of the members in a release.'),
    completedStep: z
      .int()
      .min(0)
      .optional()
      .describe('This member completed this step (its index) and waits for the group to leave it.'),
    waitingFor: z
      .array(z.string().max(253))
      .max(64)
      .optional()
      .describe('Members that have not completed the step this member waits to leave.'),
  })
  .describe('Progress of the lockstep group (spec.lockstep).');

export const CanaryReleaseStatus = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the status reflects.'),
    phase: CanaryPhase.default('Idle'),
    message: z.string().max(1024).optional().describe('Why the release is in this phase.'),
    currentStepIndex: z.int().min(0).optional().describe('Index of the running step in spec.steps.'),
    stepStartedAt: timestamp().optional().describe('When the current step started.'),
    pausedAt: timestamp().optional().describe('When the release paused.'),
    pauseReason: z
      .enum(['Step', 'Manual', 'Inconclusive', 'AnalysisError', 'Failure', 'ModelDrift'])
      .optional()
      .describe('Why the release is paused.'),
    canaryWeight: z
      .int()
      .min(0)
      .max(100)
      .default(0)
      .describe('Traffic percentage currently sent to the canary.'),
    fromVersion: z.string().max(253).optional().describe('AgentVersion the release started from (stable).'),
    toVersion: z.string().max(253).optional().describe('AgentVersion being released (canary).'),
    startedAt: timestamp().optional().describe('When the release started.'),
    finishedAt: timestamp().optional().describe('When the release was promoted or rolled back.'),
    rolledBackVersion: z
      .string()
      .max(253)
      .optional()
      .describe('Version last rolled back; not retried automatically until retry or a new version.'),
    analysisRuns: AnalysisRuns.optional(),
    group: LockstepStatus.optional(),
    modelDrift: ModelDrift.optional().describe(
      'The canary was served another model than its AgentVersion asks for (spec.analysis.modelDrift).',
    ),
    conditions: Conditions.optional(),
    control: ControlRequest.optional(),
    lastControl: ControlResult.optional(),
  })
  .describe('Observed state of a canary release; all progress lives here.');
export type CanaryReleaseStatus = z.infer<typeof CanaryReleaseStatus>;

export const CanaryRelease = z
  .object({
    apiVersion: z.literal(API_VERSION).describe('agentarmy.dev/v1alpha1'),
    kind: z.literal('CanaryRelease').describe('CanaryRelease'),
    metadata: ObjectMeta,
    spec: CanaryReleaseSpec,
    status: CanaryReleaseStatus.optional(),
  })
  .describe('Weighted steps, Prometheus analysis and automatic rollback for one canary agent.');
export type CanaryRelease = z.infer<typeof CanaryRelease>;

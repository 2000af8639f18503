// Status conditions in the shape of metav1.Condition, and the condition types each kind reports.
import { z } from 'zod';
import { timestamp } from './common.js';
import { mapList } from './rules.js';

export const CONDITION_TYPE_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
export const CONDITION_REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

export const ConditionStatus = z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.');
export type ConditionStatus = z.infer<typeof ConditionStatus>;

export const Condition = z
  .object({
    type: z.string().min(1).max(316).regex(CONDITION_TYPE_PATTERN).describe('Condition type, e.g. Ready.'),
    status: ConditionStatus,
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .describe('metadata.generation the condition was computed from.'),
    lastTransitionTime: timestamp().describe(
      'When status last changed (not updated when only reason changes).',
    ),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(CONDITION_REASON_PATTERN)
      .describe('CamelCase machine-readable reason of the last transition.'),
    message: z.string().max(32768).describe('Human-readable details.'),
  })
  .describe('An observation of one aspect of the object, as in metav1.Condition.');
export type Condition = z.infer<typeof Condition>;

export const Conditions = mapList(Condition, 'type', { max: 16 }).describe(
  'Latest observations of the object state, one per condition type.',
);

/** Condition types. Ready on every kind; Progressing and Degraded on AgentArmy and CanaryRelease. */
export const ConditionType = {
  Ready: 'Ready',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  UpgradeBlocked: 'UpgradeBlocked',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

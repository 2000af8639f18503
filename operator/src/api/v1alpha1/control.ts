// Manual control written by humans (kubectl-agentarmy) through the status subresource, so a GitOps tool
// that owns the spec never sees drift. The operator acts on a request once, identified by `id`, and
// records the outcome in `lastControl`.
import { z } from 'zod';
import { dnsLabel, timestamp } from './common.js';

export const ControlAction = z
  .enum(['promote', 'promoteFull', 'abort', 'retry', 'pause', 'resume'])
  .describe(
    'promote: finish the current pause/step; promoteFull: skip remaining steps; abort: roll back now; ' +
      'retry: restart a rolled-back release; pause: hold at the current step; resume: continue after pause.',
  );
export type ControlAction = z.infer<typeof ControlAction>;

export const ControlRequest = z
  .object({
    id: z
      .string()
      .min(1)
      .max(128)
      .describe('Unique id of this request; the operator acts once per id (idempotent across restarts).'),
    action: ControlAction,
    agent: dnsLabel()
      .optional()
      .describe('Agent the request is for (AgentArmy only: blue-green promote/abort of one agent).'),
    requestedAt: timestamp().optional().describe('When the request was written.'),
    requestedBy: z.string().max(256).optional().describe('Who wrote the request (informational).'),
  })
  .describe('A manual control request, written through the status subresource.');
export type ControlRequest = z.infer<typeof ControlRequest>;

export const ControlResult = z
  .object({
    id: z.string().min(1).max(128).describe('id of the request handled.'),
    action: ControlAction,
    outcome: z
      .enum(['Applied', 'Ignored', 'Rejected'])
      .describe('Applied, Ignored (nothing to do in this phase) or Rejected (not allowed now).'),
    message: z.string().max(1024).optional().describe('Why the request was ignored or rejected.'),
    handledAt: timestamp().describe('When the operator handled the request.'),
  })
  .describe('Outcome of the last control request the operator handled.');
export type ControlResult = z.infer<typeof ControlResult>;

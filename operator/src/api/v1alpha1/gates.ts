// Built-in agent gates of an analysis (docs/analysis.md, "Agent gates"): answer quality from the online
// judge, tool health and steps per request, each canary against stable over the same window, each with
// its own minimum of samples per track (fewer is Inconclusive, never a Pass); and what a moved model
// alias does to a release.
import { z } from 'zod';
import { timestamp } from './common.js';

const samples = (what: string, def: number) =>
  z
    .int()
    .min(1)
    .max(1_000_000)
    .default(def)
    .describe(`${what} each track (canary and stable) must have in the window; fewer is Inconclusive.`);

export const JudgeGate = z
  .object({
    minScoreRatio: z
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe(
        'Fail when the canary mean judge score (agent_eval_score) < stable mean × this, e.g. 0.9: ' +
          'a canary scoring 10% below stable fails.',
      ),
    minSamples: samples('Judged answers', 20),
  })
  .describe('Judge gate: canary answers must score about as well as stable answers.');

export const ToolErrorGate = z
  .object({
    maxRatio: z
      .number()
      .min(1)
      .max(100)
      .default(1.5)
      .describe('Fail when the canary tool error rate > stable × this (and > stable + maxIncrease).'),
    maxIncrease: z
      .number()
      .min(0)
      .max(1)
      .default(0.02)
      .describe(
        'Absolute slack: the canary may exceed stable by this much (0–1) whatever the ratio, so a ' +
          'stable track without tool errors does not fail the canary on one.',
      ),
    minCalls: samples('Tool calls', 20),
  })
  .describe('Tool gate: share of tool calls failing (error, timeout, circuit_open, invalid) vs stable.');

export const StepsGate = z
  .object({
    maxRatio: z
      .number()
      .min(1)
      .max(100)
      .default(1.5)
      .describe('Fail when the canary mean steps per request > stable × this.'),
    minSamples: samples('Answered requests', 20),
  })
  .describe('Steps gate: model calls per answered request (agent_steps_per_request) vs stable.');

export const ModelDriftPolicy = z
  .enum(['Pause', 'Rollback', 'Ignore'])
  .describe(
    'When the canary is served another model than its AgentVersion asks for (an alias that moved): ' +
      'Pause for a human, Rollback, or Ignore (recorded, release goes on).',
  );
export type ModelDriftPolicy = z.infer<typeof ModelDriftPolicy>;

/** The fields the gates add to AnalysisSpec. */
export const gateFields = {
  judge: JudgeGate.optional().describe(
    'Built-in judge gate; needs a judge on the AgentVersions (spec.judge). `{}` takes the defaults.',
  ),
  toolErrors: ToolErrorGate.optional().describe('Built-in tool error-rate gate. `{}` takes the defaults.'),
  stepsPerRequest: StepsGate.optional().describe('Built-in steps-per-request gate. `{}` takes the defaults.'),
  modelDrift: ModelDriftPolicy.default('Pause'),
};

export const ModelDrift = z
  .object({
    askedModel: z.string().max(253).describe('Model the canary AgentVersion asks for (spec.model.name).'),
    servedModel: z.string().max(253).describe('Model the provider reported serving to the canary.'),
    servedCalls: z.number().min(0).optional().describe('Model calls served by it in the window.'),
    detectedAt: timestamp().describe('When it was measured.'),
  })
  .describe('The canary is served another model than it asks for.');
export type ModelDrift = z.infer<typeof ModelDrift>;

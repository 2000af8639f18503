// The `evaluation` step of a CanaryRelease: a golden dataset replayed against the canary and the stable
// version by a Job (agent-runtime's `evaluate` entry), both sides scored by the canary's judge model,
// before (or between) traffic steps. docs/analysis.md, "Evaluation step".
import { z } from 'zod';
import { dnsSubdomain, duration, parseDuration } from './common.js';
import { withRules } from './rules.js';

/** The longest an evaluation Job may run (activeDeadlineSeconds). */
export const MAX_EVALUATION_TIMEOUT_MS = 3_600_000;
/** A ConfigMap data key. */
export const CONFIG_MAP_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

export const EvaluationStep = withRules(
  z.object({
    dataset: z
      .object({
        configMapRef: z
          .object({
            name: dnsSubdomain().describe('ConfigMap in the release’s own namespace.'),
            key: z
              .string()
              .min(1)
              .max(253)
              .regex(CONFIG_MAP_KEY_PATTERN)
              .default('dataset.jsonl')
              .describe('Key holding the dataset: JSON lines {"id", "input", "expect"?}.'),
          })
          .describe('The ConfigMap key holding the dataset (mounted read-only into the Job).'),
      })
      .describe(
        'The golden dataset: one JSON object per line, {"id": "...", "input": "...", "expect"?: "..."}.',
      ),
    minScoreRatio: z
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe('Fail when the canary mean judge score < stable mean × this.'),
    minSamples: z
      .int()
      .min(1)
      .max(10_000)
      .default(10)
      .describe('Judged answers each track must have; fewer is Inconclusive, never a Pass.'),
    timeout: duration()
      .default('5m')
      .describe('The Job’s activeDeadlineSeconds, at most 1h; a Job still running then is an Error.'),
  }),
  [
    {
      rule: "duration(self.timeout) <= duration('1h')",
      message: 'timeout must be at most 1h',
      fieldPath: '.timeout',
      check: (v) => {
        try {
          return parseDuration(v.timeout) <= MAX_EVALUATION_TIMEOUT_MS;
        } catch {
          return true; // the pattern check names the problem
        }
      },
    },
  ],
).describe(
  'Replay a golden dataset against the canary and the stable version in a Job and compare their judge ' +
    'scores; the judge is the canary AgentVersion’s spec.judge.',
);
export type EvaluationStep = z.infer<typeof EvaluationStep>;

/** A dataset sample id: what the report may name (never request or answer text). */
export const SAMPLE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** The kubelet keeps at most 4096 bytes of a termination message; a longer one is refused whole. */
export const MAX_REPORT_BYTES = 4096;

const TrackScore = z.strictObject({
  mean: z.number().min(0).max(1).optional().describe('Mean judge score; absent when nothing was judged.'),
  judged: z.int().min(0).max(1_000_000).describe('Answers judged.'),
  errors: z.int().min(0).max(1_000_000).describe('Samples that got no score (invoke or judge failed).'),
});

/**
 * What agent-runtime's `evaluate` entry writes to /dev/termination-log (JSON, < 4 KiB): the scores of each
 * track, or why it could not produce them. The operator reads it from the Job's pod.
 */
export const EvaluationReport = z.union([
  z.strictObject({
    v: z.literal(1),
    canary: TrackScore,
    stable: TrackScore,
    worst: z.array(z.string().regex(SAMPLE_ID_PATTERN)).max(3).describe('Worst-scored canary sample ids.'),
  }),
  z.strictObject({ v: z.literal(1), error: z.string().max(512).describe('Why no result was produced.') }),
]);
export type EvaluationReport = z.infer<typeof EvaluationReport>;

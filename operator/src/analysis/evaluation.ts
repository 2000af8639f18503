// The result of an evaluation step (docs/analysis.md, "Evaluation step"): the report agent-runtime's
// `evaluate` entry writes to its termination message, parsed defensively (it comes from a pod: oversized,
// garbage or hostile text is an Error, never a Pass), and judged like an agent gate: enough judged answers
// on BOTH tracks, then canary mean ≥ stable mean × minScoreRatio. Pure.
import {
  EvaluationReport,
  type EvaluationStep,
  MAX_REPORT_BYTES,
  type Measurement,
} from '../api/v1alpha1/index.js';
import { formatTime } from '../kube/conditions.js';
import { formatNumber } from './evaluate.js';

export const EVALUATION_METRIC = 'evaluation';

export type ParsedReport = { ok: true; report: EvaluationReport } | { ok: false; error: string };

/** Control characters out, cut to `max`: text from a pod, safe for an Event or status message. */
export function cleanText(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** The report in a termination message, or why it is not one. */
export function parseReport(message: string | undefined): ParsedReport {
  if (message === undefined || message.trim() === '')
    return { ok: false, error: 'the evaluation pod left no termination message' };
  if (Buffer.byteLength(message, 'utf8') > MAX_REPORT_BYTES)
    return { ok: false, error: `the termination message exceeds ${MAX_REPORT_BYTES} bytes` };
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { ok: false, error: 'the termination message is not JSON' };
  }
  const parsed = EvaluationReport.safeParse(raw);
  if (!parsed.success) return { ok: false, error: 'the termination message is not an evaluation report' };
  return { ok: true, report: parsed.data };
}

const errorMeasurement = (message: string, now: Date): Measurement => ({
  metric: EVALUATION_METRIC,
  result: 'Error',
  message: cleanText(message, 1024),
  time: formatTime(now.getTime()),
});

/** An Error measurement: the Job failed, timed out, or the step could not start (`message` says why). */
export function evaluationError(message: string, now: Date): Measurement {
  return errorMeasurement(message, now);
}

/**
 * The measurement of a finished evaluation. In order: no report or an error report → Error; fewer than
 * minSamples judged answers on either track → Inconclusive; canary mean < stable mean × minScoreRatio →
 * Fail; otherwise Pass.
 */
export function judgeEvaluation(
  parsed: ParsedReport,
  step: Pick<EvaluationStep, 'minScoreRatio' | 'minSamples'>,
  now: Date,
): Measurement {
  if (!parsed.ok) return errorMeasurement(parsed.error, now);
  const r = parsed.report;
  if ('error' in r) return errorMeasurement(`evaluate: ${r.error}`, now);
  const { canary, stable } = r;
  const limit = stable.mean !== undefined ? stable.mean * step.minScoreRatio : undefined;
  const threshold = `>= stable × ${formatNumber(step.minScoreRatio)}${limit !== undefined ? ` (${formatNumber(limit)})` : ''}`;
  const mean = (m: number | undefined) => (m === undefined ? 'none' : formatNumber(m));
  const counts = `judged answers: canary ${canary.judged}, stable ${stable.judged}; errors: canary ${canary.errors}, stable ${stable.errors}`;
  const worst = r.worst.length > 0 ? `; worst canary samples: ${r.worst.join(', ')}` : '';
  const base = {
    metric: EVALUATION_METRIC,
    ...(canary.mean !== undefined ? { value: canary.mean } : {}),
    ...(stable.mean !== undefined ? { stableValue: stable.mean } : {}),
    threshold,
    sampleSize: canary.judged,
    stableSampleSize: stable.judged,
    time: formatTime(now.getTime()),
  };
  const scores = `canary ${mean(canary.mean)} vs stable ${mean(stable.mean)}`;
  if (canary.judged < step.minSamples || stable.judged < step.minSamples)
    return {
      ...base,
      result: 'Inconclusive',
      message: `${scores}: fewer than ${step.minSamples} judged answers on a track; ${counts}`,
    };
  if (canary.mean === undefined || stable.mean === undefined || limit === undefined)
    return { ...base, result: 'Inconclusive', message: `${scores}: no mean score; ${counts}` };
  if (canary.mean < limit)
    return {
      ...base,
      result: 'Fail',
      message: `${scores}: < limit ${formatNumber(limit)}; ${counts}${worst}`,
    };
  return { ...base, result: 'Pass', message: `${scores}; ${counts}${worst}` };
}

// The built-in agent gates (docs/analysis.md, "Agent gates"): judge score, tool error rate and steps per
// request, each the canary against stable over the same window. Unlike a metric, a gate needs enough
// samples on BOTH tracks (a mean of three judged answers decides nothing): fewer on either side is
// Inconclusive, never a Pass. The judgement is pure; measure.ts runs the queries.
import type { AnalysisSpec, Measurement } from '../api/v1alpha1/index.js';
import { formatTime } from '../kube/conditions.js';
import { formatNumber, type QueryOutcome } from './evaluate.js';

const SELECTOR = 'namespace="{{namespace}}", agent="{{agent}}", version="{{version}}", track="{{track}}"';

/** Tool call outcomes counted as failures; `stubbed` (shadow traffic) is left out of both sides. */
export const TOOL_ERROR_OUTCOMES = ['error', 'timeout', 'circuit_open', 'invalid'] as const;

export const GATE_QUERIES = {
  /** Mean judge score (0..1) of the answers judged in the window. */
  judgeScore:
    `sum(rate(agent_eval_score_sum{${SELECTOR}}[{{window}}]))` +
    ` / sum(rate(agent_eval_score_count{${SELECTOR}}[{{window}}]))`,
  /** Judged answers in the window (samples of the judge gate). */
  judgeSamples: `sum(increase(agent_eval_score_count{${SELECTOR}}[{{window}}]))`,
  /** Share of tool calls that failed (0..1), stubbed calls left out. */
  toolErrorRate:
    `sum(rate(agent_tool_calls_total{${SELECTOR}, outcome=~"${TOOL_ERROR_OUTCOMES.join('|')}"}[{{window}}]))` +
    ` / sum(rate(agent_tool_calls_total{${SELECTOR}, outcome!="stubbed"}[{{window}}]))`,
  /** Tool calls in the window (samples of the tool gate). */
  toolCalls: `sum(increase(agent_tool_calls_total{${SELECTOR}, outcome!="stubbed"}[{{window}}]))`,
  /** Mean model calls per answered request. */
  stepsPerRequest:
    `sum(rate(agent_steps_per_request_sum{${SELECTOR}}[{{window}}]))` +
    ` / sum(rate(agent_steps_per_request_count{${SELECTOR}}[{{window}}]))`,
  /** Answered requests in the window (samples of the steps gate). */
  stepsSamples: `sum(increase(agent_steps_per_request_count{${SELECTOR}}[{{window}}]))`,
} as const;

export const GATE_NAMES = {
  judge: 'judge-score',
  toolErrors: 'tool-error-rate',
  stepsPerRequest: 'steps-per-request',
} as const;

/** The bound a gate puts on the canary, relative to the stable value. */
export type GateBound = { kind: 'min'; ratio: number } | { kind: 'max'; ratio: number; increase: number };

export interface GateDefinition {
  name: string;
  query: string;
  samplesQuery: string;
  minSamples: number;
  /** What a sample is, for messages: "judged answers", "tool calls", "answered requests". */
  samplesNoun: string;
  bound: GateBound;
}

/** The gates a spec enables, in a fixed order: judge, tool errors, steps. */
export function gateDefinitions(spec: AnalysisSpec): GateDefinition[] {
  const out: GateDefinition[] = [];
  if (spec.judge) {
    out.push({
      name: GATE_NAMES.judge,
      query: GATE_QUERIES.judgeScore,
      samplesQuery: GATE_QUERIES.judgeSamples,
      minSamples: spec.judge.minSamples,
      samplesNoun: 'judged answers',
      bound: { kind: 'min', ratio: spec.judge.minScoreRatio },
    });
  }
  if (spec.toolErrors) {
    out.push({
      name: GATE_NAMES.toolErrors,
      query: GATE_QUERIES.toolErrorRate,
      samplesQuery: GATE_QUERIES.toolCalls,
      minSamples: spec.toolErrors.minCalls,
      samplesNoun: 'tool calls',
      bound: { kind: 'max', ratio: spec.toolErrors.maxRatio, increase: spec.toolErrors.maxIncrease },
    });
  }
  if (spec.stepsPerRequest) {
    out.push({
      name: GATE_NAMES.stepsPerRequest,
      query: GATE_QUERIES.stepsPerRequest,
      samplesQuery: GATE_QUERIES.stepsSamples,
      minSamples: spec.stepsPerRequest.minSamples,
      samplesNoun: 'answered requests',
      bound: { kind: 'max', ratio: spec.stepsPerRequest.maxRatio, increase: 0 },
    });
  }
  return out;
}

/** The limit the canary is held to, given the stable value. */
export function gateLimit(bound: GateBound, stable: number): number {
  if (bound.kind === 'min') return stable * bound.ratio;
  return Math.max(stable * bound.ratio, stable + bound.increase);
}

/** ">= stable × 0.9 (0.792)" / "<= max(stable × 1.5, stable + 0.02) (0.03)". */
export function describeBound(bound: GateBound, stable?: number): string {
  const limit = stable !== undefined ? ` (${formatNumber(gateLimit(bound, stable))})` : '';
  if (bound.kind === 'min') return `>= stable × ${formatNumber(bound.ratio)}${limit}`;
  const ratio = `stable × ${formatNumber(bound.ratio)}`;
  const rel = bound.increase > 0 ? `max(${ratio}, stable + ${formatNumber(bound.increase)})` : ratio;
  return `<= ${rel}${limit}`;
}

export interface GateValues {
  canary: QueryOutcome;
  stable: QueryOutcome;
  canarySamples: QueryOutcome;
  stableSamples: QueryOutcome;
  /** How the stable side is named in messages. */
  stableLabel: string;
}

const count = (o: QueryOutcome): number | undefined =>
  o.kind === 'error' ? undefined : o.kind === 'value' ? Math.max(0, Math.round(o.value)) : 0;

/**
 * Judges one gate. Order: any query error → Error; fewer than minSamples on either track →
 * Inconclusive; no value on either track → Inconclusive; bound broken → Fail; otherwise Pass. Value,
 * stable value and both sample counts go into the measurement, so Events and status show the evidence.
 */
export function evaluateGate(gate: GateDefinition, v: GateValues, now: Date): Measurement {
  const canarySamples = count(v.canarySamples);
  const stableSamples = count(v.stableSamples);
  const canaryValue = v.canary.kind === 'value' ? v.canary.value : undefined;
  const stableValue = v.stable.kind === 'value' ? v.stable.value : undefined;
  const samples = `${gate.samplesNoun}: canary ${canarySamples ?? '?'}, stable ${stableSamples ?? '?'}`;
  const m = (result: Measurement['result'], message: string): Measurement => ({
    metric: gate.name,
    result,
    threshold: describeBound(gate.bound, stableValue),
    time: formatTime(now.getTime()),
    message: message.slice(0, 1024),
    ...(canaryValue !== undefined ? { value: canaryValue } : {}),
    ...(stableValue !== undefined ? { stableValue } : {}),
    ...(canarySamples !== undefined ? { sampleSize: canarySamples } : {}),
    ...(stableSamples !== undefined ? { stableSampleSize: stableSamples } : {}),
    ...(v.canary.query !== undefined ? { query: v.canary.query.slice(0, 4096) } : {}),
  });
  const failed = [
    ['canary', v.canary],
    [v.stableLabel, v.stable],
    ['canary samples', v.canarySamples],
    ['stable samples', v.stableSamples],
  ] as const;
  for (const [what, o] of failed) {
    if (o.kind === 'error') return m('Error', `${what} query failed: ${o.message}`);
  }
  if ((canarySamples ?? 0) < gate.minSamples || (stableSamples ?? 0) < gate.minSamples) {
    return m('Inconclusive', `too few ${samples} in the window (minimum ${gate.minSamples} each)`);
  }
  if (canaryValue === undefined || stableValue === undefined) {
    const side = canaryValue === undefined ? 'canary' : v.stableLabel;
    return m('Inconclusive', `no data for ${side} (${samples})`);
  }
  const limit = gateLimit(gate.bound, stableValue);
  const broken = gate.bound.kind === 'min' ? canaryValue < limit : canaryValue > limit;
  const cmp = gate.bound.kind === 'min' ? '<' : '>';
  const canaryText = `canary ${formatNumber(canaryValue)} vs stable ${formatNumber(stableValue)}`;
  if (broken) return m('Fail', `${canaryText}: ${cmp} limit ${formatNumber(limit)}; ${samples}`);
  return m('Pass', `${canaryText} (limit ${formatNumber(limit)}); ${samples}`);
}

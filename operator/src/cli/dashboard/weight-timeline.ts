// The canary weight of a release over time, for the release page's timeline: what the status tells (the
// release start, each analysis run at its step's weight, the end) merged with what the dashboard saw
// change while it watched. Pure.
import type { CanaryRelease, CanaryStep } from '../../api/v1alpha1/index.js';

export interface WeightPoint {
  /** RFC 3339 time the weight took effect (or was first seen). */
  time: string;
  weight: number;
}

/** The weight in effect at each step: the last setWeight at or before it, 0 before the first. */
export function stepWeights(steps: readonly CanaryStep[]): number[] {
  let weight = 0;
  return steps.map((s) => {
    if (s.setWeight !== undefined) weight = s.setWeight;
    return weight;
  });
}

const ms = (time: string) => Date.parse(time);

/**
 * Points of a step line, oldest first, with consecutive equal weights collapsed (the earliest kept). Only
 * points of the current release (from status.startedAt on) are used. An active release gets a last point
 * at `now`, so the line reaches the present.
 */
export function weightTimeline(
  release: CanaryRelease,
  observed: readonly WeightPoint[],
  now: Date,
): WeightPoint[] {
  const s = release.status;
  if (!s) return [];
  const weights = stepWeights(release.spec.steps);
  const derived: WeightPoint[] = [];
  if (s.startedAt) derived.push({ time: s.startedAt, weight: weights[0] ?? 0 });
  for (const run of s.analysisRuns ?? []) {
    const w = weights[run.stepIndex];
    if (run.stepIndex >= 0 && w !== undefined) derived.push({ time: run.startedAt, weight: w });
  }
  const active = s.phase === 'Progressing' || s.phase === 'Paused';
  if (active && s.stepStartedAt) derived.push({ time: s.stepStartedAt, weight: s.canaryWeight });
  if (!active && s.finishedAt) derived.push({ time: s.finishedAt, weight: s.canaryWeight });

  const since = s.startedAt ? ms(s.startedAt) : Number.NEGATIVE_INFINITY;
  const all = [...derived, ...observed]
    .filter((p) => Number.isFinite(ms(p.time)) && ms(p.time) >= since)
    .sort((a, b) => ms(a.time) - ms(b.time));
  const out: WeightPoint[] = [];
  for (const p of all) if (out.at(-1)?.weight !== p.weight) out.push(p);
  const last = out.at(-1);
  if (active && last && ms(last.time) < now.getTime())
    out.push({ time: now.toISOString(), weight: last.weight });
  return out;
}

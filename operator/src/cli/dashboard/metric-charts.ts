// One chart per analysis metric of a release: every measurement of the release as one point (canary value,
// stable value when measured), the bounds it was judged against, and its result, so Inconclusive and Error
// measurements show as such instead of as gaps. Pure.
import type { z } from 'zod';
import { type MetricDefinition, metricDefinitions } from '../../analysis/builtin.js';
import { describeCondition } from '../../analysis/evaluate.js';
import type { CanaryRelease, MeasurementResult, MetricCondition } from '../../api/v1alpha1/index.js';

export interface ChartPoint {
  time: string;
  /** The canary (measured) value; null when there was no data or an error. */
  canary: number | null;
  /** The stable side's value, when the operator measured it (relativeToStable conditions). */
  stable: number | null;
  /** The bounds a value had to stay within at this measurement; null where the condition has none. */
  upper: number | null;
  lower: number | null;
  result: MeasurementResult;
  sampleSize: number | null;
  /** The threshold as the operator wrote it, e.g. "<= 0.05". */
  threshold: string;
  message: string;
}

export interface MetricChart {
  metric: string;
  /** The condition as text, from the spec (or from the last measurement when the spec no longer has it). */
  condition: string;
  points: ChartPoint[];
  counts: Record<MeasurementResult, number>;
}

type Condition = z.infer<typeof MetricCondition>;

/** The bounds of a condition at one measurement: the tightest of the absolute and the stable-relative. */
export function bounds(condition: Condition | undefined, stable: number | null) {
  if (!condition) return { upper: null, lower: null };
  const uppers: number[] = [];
  const lowers: number[] = [];
  if (condition.max !== undefined) uppers.push(condition.max);
  if (condition.min !== undefined) lowers.push(condition.min);
  const rel = condition.relativeToStable;
  if (stable !== null && rel?.maxRatio !== undefined) uppers.push(stable * rel.maxRatio);
  if (stable !== null && rel?.minRatio !== undefined) lowers.push(stable * rel.minRatio);
  return {
    upper: uppers.length ? Math.min(...uppers) : null,
    lower: lowers.length ? Math.max(...lowers) : null,
  };
}

/** Charts in the order the analysis measures its metrics, then metrics only older measurements have. */
export function metricCharts(release: CanaryRelease): MetricChart[] {
  const defs: MetricDefinition[] = release.spec.analysis ? metricDefinitions(release.spec.analysis) : [];
  const byName = new Map(defs.map((d) => [d.name, d]));
  const measurements = (release.status?.analysisRuns ?? [])
    .flatMap((r) => r.measurements)
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const names = [...defs.map((d) => d.name)];
  for (const m of measurements) if (!names.includes(m.metric)) names.push(m.metric);
  return names.map((metric) => {
    const def = byName.get(metric);
    const counts: Record<MeasurementResult, number> = { Pass: 0, Fail: 0, Inconclusive: 0, Error: 0 };
    const points = measurements
      .filter((m) => m.metric === metric)
      .map((m): ChartPoint => {
        counts[m.result]++;
        const stable = m.stableValue ?? null;
        return {
          time: m.time,
          canary: m.value ?? null,
          stable,
          ...bounds(def?.condition, stable),
          result: m.result,
          sampleSize: m.sampleSize ?? null,
          threshold: m.threshold ?? '',
          message: m.message ?? '',
        };
      });
    const condition = def ? describeCondition(def.condition) : (points.at(-1)?.threshold ?? '');
    return { metric, condition, points, counts };
  });
}

// Live series from a Prometheus the user can reach (--prometheus): every analysis metric of a release
// queried over the release's window for the canary and the stable track, with the same queries the
// operator measures with, aligned on one time axis for a chart.
import { z } from 'zod';
import { metricDefinitions } from '../../analysis/builtin.js';
import { renderQuery } from '../../analysis/template.js';
import type { CanaryRelease } from '../../api/v1alpha1/index.js';
import { bounds } from './metric-charts.js';
import type { ChartPayload } from './pages/charts.js';

const Matrix = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ values: z.array(z.tuple([z.number(), z.string()])) })),
  }),
});

export type Samples = Array<[number, number]>;

export interface LiveMetric {
  metric: string;
  payload?: ChartPayload;
  error?: string;
}

/** The range to query: the release's start to its end (or now), about 300 points. */
export function queryWindow(release: CanaryRelease, now: Date) {
  const end = release.status?.finishedAt
    ? Date.parse(release.status.finishedAt) / 1000
    : now.getTime() / 1000;
  const started = release.status?.startedAt ? Date.parse(release.status.startedAt) / 1000 : end - 1800;
  const start = Math.min(started, end - 60);
  return { start: Math.floor(start), end: Math.ceil(end), step: Math.max(1, Math.ceil((end - start) / 300)) };
}

/** A query_range answer as [seconds, value] pairs; NaN/Inf become gaps. More than one series is an error. */
export function parseMatrix(body: unknown): Samples {
  const r = Matrix.safeParse(body);
  if (!r.success) throw new Error('prometheus answer is not a matrix');
  if (r.data.data.result.length > 1) {
    throw new Error(`query returned ${r.data.data.result.length} series; it must aggregate to one`);
  }
  return (r.data.data.result[0]?.values ?? []).flatMap(([t, v]) => {
    const n = Number(v);
    return Number.isFinite(n) ? [[t, n] as [number, number]] : [];
  });
}

/** Canary and stable samples on one ascending time axis (null where a side has no sample). */
export function align(canary: Samples, stable: Samples) {
  const xs = [...new Set([...canary.map(([t]) => t), ...stable.map(([t]) => t)])].sort((a, b) => a - b);
  const c = new Map(canary);
  const s = new Map(stable);
  return { xs, canary: xs.map((t) => c.get(t) ?? null), stable: xs.map((t) => s.get(t) ?? null) };
}

async function queryRange(
  base: string,
  query: string,
  w: ReturnType<typeof queryWindow>,
  signal: AbortSignal,
) {
  const url = new URL(`${base}/api/v1/query_range`);
  url.search = new URLSearchParams({
    query,
    start: String(w.start),
    end: String(w.end),
    step: `${w.step}s`,
  }).toString();
  const res = await fetch(url, { signal });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const err = (body as { error?: string } | undefined)?.error;
    throw new Error(`prometheus answered ${res.status}${err ? `: ${err}` : ''}`);
  }
  return parseMatrix(body);
}

/**
 * Every metric of the release's analysis, canary against stable. `versions` are the semver labels the
 * pods report (the AgentVersions' spec.version). A failing query is reported on its metric, not thrown.
 */
export async function liveSeries(
  prometheus: string,
  release: CanaryRelease,
  versions: { canary: string; stable: string },
  now: Date,
  timeoutMs = 10_000,
): Promise<LiveMetric[]> {
  const spec = release.spec.analysis;
  if (!spec) return [];
  const w = queryWindow(release, now);
  const signal = AbortSignal.timeout(timeoutMs);
  const vars = (version: string, track: string) => ({
    namespace: release.metadata.namespace ?? '',
    agent: release.spec.targetRef.agent,
    version,
    track,
    window: spec.window,
  });
  return Promise.all(
    metricDefinitions(spec).map(async (def): Promise<LiveMetric> => {
      try {
        const [canary, stable] = await Promise.all([
          queryRange(prometheus, renderQuery(def.query, vars(versions.canary, 'canary')), w, signal),
          queryRange(prometheus, renderQuery(def.query, vars(versions.stable, 'stable')), w, signal),
        ]);
        const a = align(canary, stable);
        const limits = a.stable.map((s) => bounds(def.condition, s));
        const series: ChartPayload['series'] = [
          { label: 'canary (live)', style: 'canary', values: a.canary },
          { label: 'stable (live)', style: 'stable', values: a.stable },
        ];
        if (limits.some((l) => l.upper !== null)) {
          series.push({ label: 'threshold (max)', style: 'upper', values: limits.map((l) => l.upper) });
        }
        if (limits.some((l) => l.lower !== null)) {
          series.push({ label: 'threshold (min)', style: 'lower', values: limits.map((l) => l.lower) });
        }
        return { metric: def.name, payload: { kind: 'live', title: `${def.name} (live)`, xs: a.xs, series } };
      } catch (err) {
        return { metric: def.name, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

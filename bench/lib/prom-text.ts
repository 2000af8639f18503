// Reading the operator's /metrics (Prometheus text exposition format 0.0.4) in the benchmark: samples,
// sums over label subsets, deltas between two scrapes and quantiles from histogram buckets computed the
// way PromQL's histogram_quantile does (linear interpolation inside the bucket).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Every sample line of a scrape; comments (# HELP, # TYPE) and blank lines are skipped. */
export function parsePromText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(labelPair)) labels[pair[1] ?? ''] = unescapeLabel(pair[2] ?? '');
    samples.push({ name: m[1] ?? '', labels, value: parseValue(m[3] ?? '') });
  }
  return samples;
}

const matches = (s: Sample, name: string, match: Record<string, string>) =>
  s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v);

/** Sum of every sample of `name` whose labels include `match`. 0 when there is none. */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => matches(s, name, match)).reduce((sum, s) => sum + s.value, 0);
}

/** Per-label-value sums of `name`, e.g. writes by `kind` and `verb` joined as `verb kind`. */
export function breakdown(
  samples: Sample[],
  name: string,
  by: string[],
  match: Record<string, string> = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples.filter((x) => matches(x, name, match))) {
    const key = by.map((l) => s.labels[l] ?? '').join(' ');
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** `later - earlier` per series (same name and labels): what happened between two scrapes. */
export function delta(earlier: Sample[], later: Sample[]): Sample[] {
  const id = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
  const before = new Map(earlier.map((s) => [id(s), s.value]));
  return later.map((s) => ({ ...s, value: s.value - (before.get(id(s)) ?? 0) }));
}

/**
 * The q-quantile (0..1) of histogram `base` (its `_bucket` series, summed over label sets matching
 * `match`). Null when the histogram is empty. Like PromQL: linear inside the bucket; the lowest bucket
 * starts at 0; an answer in the +Inf bucket is the highest finite bound.
 */
export function histogramQuantile(
  samples: Sample[],
  base: string,
  q: number,
  match: Record<string, string> = {},
): number | null {
  const byLe = new Map<number, number>();
  for (const s of samples.filter((x) => matches(x, `${base}_bucket`, match))) {
    const le = parseValue(s.labels.le ?? '');
    if (Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      if (count === lowerCount) return le;
      return lowerBound + (le - lowerBound) * ((rank - lowerCount) / (count - lowerCount));
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/**
 * GETs a /metrics URL and parses it, retrying once on a connection error: a keep-alive socket the server
 * closed as the client reused it fails with "fetch failed" (seen on a machine at load 24), and a scrape is
 * idempotent. A timeout, or a process that `exited()`, is not retried.
 */
export async function scrapeMetrics(url: string, exited: () => boolean): Promise<Sample[]> {
  const get = () => fetch(url, { signal: AbortSignal.timeout(10_000) });
  const res = await get().catch((err: unknown) => {
    if (exited() || (err instanceof Error && err.name === 'TimeoutError')) throw err;
    return get();
  });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return parsePromText(await res.text());
}

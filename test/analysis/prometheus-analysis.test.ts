// The analysis engine against a REAL Prometheus scraping a metrics target whose traffic the test
// controls: every verdict below comes from PromQL that Prometheus evaluated over scraped samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnalysisSubject,
  advanceRun,
  BUILTIN_QUERIES,
  combineResults,
  createPrometheusProvider,
  type MetricProvider,
  renderQuery,
  startRun,
  takeMeasurement,
} from '../../operator/src/analysis/index.js';
import { AnalysisSpec } from '../../operator/src/api/v1alpha1/index.js';
import { eventually } from '../support/cluster.js';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.js';
import { type MetricsTarget, type SimulatedTrack, startMetricsTarget } from './metrics-target.js';

const NS = 'analysis-it';
const WINDOW = '10s';
const track = (agent: string, version: string, name: string, t: Partial<SimulatedTrack>): SimulatedTrack => ({
  namespace: NS,
  agent,
  version,
  track: name,
  rps: 10,
  latency: 0.2,
  costPerSuccess: 0.01,
  ...t,
});
const TRACKS: SimulatedTrack[] = [
  // checkout: the canary fails 30% (error 20% + timeout 10%); 10% rejected must not count
  track('checkout', '1.0.0', 'stable', { shares: { error: 0.01 } }),
  track('checkout', '1.1.0', 'canary', { shares: { error: 0.2, timeout: 0.1, rejected: 0.1 } }),
  // search: a healthy canary, 10% dearer per request than stable
  track('search', '1.0.0', 'stable', { shares: { error: 0.01 } }),
  track('search', '1.1.0', 'canary', { shares: { error: 0.01, invalid: 0.05 }, costPerSuccess: 0.011 }),
  // pricey: the canary costs twice as much per request
  track('pricey', '1.0.0', 'stable', {}),
  track('pricey', '1.1.0', 'canary', { costPerSuccess: 0.02 }),
  // slow: successful canary requests take 2 s
  track('slow', '1.0.0', 'stable', {}),
  track('slow', '1.1.0', 'canary', { latency: 2 }),
  // idle: the canary has series but no traffic; few: the canary gets 0.5 requests/s
  track('idle', '1.0.0', 'stable', {}),
  track('idle', '1.1.0', 'canary', { rps: 0 }),
  track('few', '1.0.0', 'stable', {}),
  track('few', '1.1.0', 'canary', { rps: 0.5 }),
];

const subject = (agent: string, canaryVersion = '1.1.0'): AnalysisSubject => ({
  namespace: NS,
  agent,
  canary: { version: canaryVersion, track: 'canary' },
  stable: { version: '1.0.0', track: 'stable' },
});
const spec = (extra: Record<string, unknown>) =>
  AnalysisSpec.parse({
    provider: { prometheus: { address: prom.url, timeout: '5s' } },
    window: WINDOW,
    interval: '1s',
    ...extra,
  });

let target: MetricsTarget;
let prom: RunningPrometheus;
let provider: MetricProvider;

beforeAll(async () => {
  target = await startMetricsTarget(TRACKS);
  prom = await startPrometheus([{ job: 'agents', targets: [target.address] }]);
  provider = createPrometheusProvider({ address: prom.url, timeoutMs: 5000 });
  // Wait until the window is (nearly) full of samples: ~100 search canary requests in 10 s.
  const samples = renderQuery(BUILTIN_QUERIES.sampleSize, {
    ...subject('search').canary,
    namespace: NS,
    agent: 'search',
    window: WINDOW,
  });
  await eventually(
    'a full analysis window of samples',
    async () => ((await provider.query(samples)) ?? 0) >= 85 || undefined,
    { timeoutMs: 40_000, intervalMs: 500 },
  );
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await target?.close();
});

const now = () => new Date();

describe('analysis against a real Prometheus', () => {
  it('fails a canary with a 30% error rate, reporting the measured value (rejected not counted)', async () => {
    const [m] = await takeMeasurement(
      spec({ maxErrorRate: 0.05, minSampleSize: 50 }),
      subject('checkout'),
      provider,
      now(),
    );
    expect(m).toMatchObject({ metric: 'error-rate', result: 'Fail', threshold: '<= 0.05' });
    expect(m?.value).toBeCloseTo(0.3, 2);
    expect(m?.sampleSize).toBeGreaterThanOrEqual(50);
    expect(m?.query).toContain('version="1.1.0", track="canary"');

    const s = spec({ maxErrorRate: 0.05, count: 3 });
    const run = advanceRun(startRun({ stepIndex: 1, version: '1.1.0', now: now() }), s, [m!], now());
    expect(run.phase).toBe('Failed');
    expect(run.message).toMatch(/error-rate = 0\.3\d* \(<= 0\.05\)/);
  });

  it('passes a healthy canary on every built-in and succeeds after `count` ticks', async () => {
    const s = spec({
      maxErrorRate: 0.05,
      maxP95LatencySeconds: 1,
      maxCostPerRequestRatio: 1.2,
      minSampleSize: 50,
      count: 2,
    });
    let run = startRun({ stepIndex: 1, version: '1.1.0', now: now() });
    for (let i = 0; i < 2; i++) {
      const ms = await takeMeasurement(s, subject('search'), provider, now());
      expect(ms.map((m) => [m.metric, m.result])).toEqual([
        ['error-rate', 'Pass'],
        ['p95-latency', 'Pass'],
        ['cost-ratio', 'Pass'],
      ]);
      // 1% errors among all requests (invalid ones stay in the denominator)
      expect(ms[0]?.value).toBeCloseTo(0.01, 3);
      // all successes take 0.2 s → inside the (0.1, 0.25] bucket
      expect(ms[1]?.value).toBeGreaterThan(0.1);
      expect(ms[1]?.value).toBeLessThanOrEqual(0.25);
      expect(ms[2]?.value).toBeCloseTo(0.011, 4);
      expect(ms[2]?.message).toMatch(/stable \(version 1\.0\.0, track stable\) = 0\.01/);
      run = advanceRun(run, s, ms, now());
    }
    expect(run.phase).toBe('Successful');
    expect(run.successful).toBe(2);
  });

  it('fails a canary that costs more than stable × ratio', async () => {
    const [m] = await takeMeasurement(
      spec({ maxCostPerRequestRatio: 1.2 }),
      subject('pricey'),
      provider,
      now(),
    );
    expect(m).toMatchObject({ metric: 'cost-ratio', result: 'Fail' });
    expect(m?.value).toBeCloseTo(0.02, 4);
    expect(m?.threshold).toBe('<= stable × 1.2 (0.012)');
  });

  it('fails a canary whose p95 latency is over the limit', async () => {
    const [m] = await takeMeasurement(spec({ maxP95LatencySeconds: 1 }), subject('slow'), provider, now());
    expect(m).toMatchObject({ metric: 'p95-latency', result: 'Fail', threshold: '<= 1' });
    // 2 s lies in the (1, 2.5] bucket: histogram_quantile interpolates to 1 + 1.5 × 0.95
    expect(m?.value).toBeCloseTo(2.425, 2);
  });

  it('is Inconclusive, never Pass, for a canary without traffic', async () => {
    const s = spec({ maxErrorRate: 0.05, maxP95LatencySeconds: 1, count: 1 });
    const ms = await takeMeasurement(s, subject('idle'), provider, now());
    expect(ms.map((m) => m.result)).toEqual(['Inconclusive', 'Inconclusive']);
    expect(ms[0]?.sampleSize).toBe(0);
    const run = advanceRun(startRun({ stepIndex: 1, now: now() }), s, ms, now());
    expect(run.phase).toBe('Inconclusive');
  });

  it('is Inconclusive below minSampleSize although the error rate would pass', async () => {
    const [few] = await takeMeasurement(
      spec({ maxErrorRate: 0.05, minSampleSize: 50 }),
      subject('few'),
      provider,
      now(),
    );
    expect(few).toMatchObject({ result: 'Inconclusive', value: 0 });
    expect(few?.sampleSize).toBeGreaterThan(0);
    expect(few?.sampleSize).toBeLessThan(50);
    expect(few?.message).toMatch(/requests in the window < minSampleSize 50/);
  });

  it('escapes injected label values: Prometheus parses the query and matches nothing', async () => {
    // an instant-vector query where the unescaped value WOULD be valid PromQL selecting other series
    const instant = spec({
      metrics: [
        {
          name: 'inst',
          query: 'max(agent_requests_total{agent="{{agent}}", version="{{version}}"})',
          condition: { min: 0 },
        },
      ],
    });
    const injected = 'x"} or agent_requests_total{version="1.0.0';
    const [inj] = await takeMeasurement(instant, subject('checkout', injected), provider, now());
    expect(inj?.result).toBe('Inconclusive');
    expect(inj?.query).toContain('version="x\\"} or agent_requests_total{version=\\"1.0.0"');
    const s = spec({ maxErrorRate: 0.05 });
    for (const version of ['1.1.0"} or vector(0) or x{a="', '1.1.0\\', '1.1.0"\n or vector(0)']) {
      const [m] = await takeMeasurement(s, subject('checkout', version), provider, now());
      expect(m?.result, `version ${JSON.stringify(version)}`).toBe('Inconclusive');
      expect(m?.message).toMatch(/no data/);
    }
    // an agent name that tries to widen the selector to the stable track
    const widened = { ...subject('checkout'), agent: 'checkout", track=~".+' };
    const [a] = await takeMeasurement(s, widened, provider, now());
    expect(a?.result).toBe('Inconclusive');
    // a regex matcher matches the version literally: ".*" selects nothing, "1.1.0" its own series
    const regexSpec = spec({
      metrics: [
        {
          name: 'by-regex',
          query: 'sum(rate(agent_requests_total{agent="{{agent}}", version=~"{{version}}"}[{{window}}]))',
          condition: { min: 0 },
        },
      ],
    });
    const [wild] = await takeMeasurement(regexSpec, subject('checkout', '.*'), provider, now());
    expect(wild?.result).toBe('Inconclusive');
    const [own] = await takeMeasurement(regexSpec, subject('checkout', '1.1.0'), provider, now());
    expect(own?.result).toBe('Pass');
    expect(own?.value).toBeGreaterThan(5); // ≈ 10 requests/s, give or take scrape jitter
    expect(own?.value).toBeLessThan(15);
  });

  it('reports Error when Prometheus is stopped, and the run ends in Error, never Successful', async () => {
    const s = spec({ maxErrorRate: 0.05, minSampleSize: 10, count: 1, consecutiveErrorLimit: 1 });
    await prom.stop();
    let run = startRun({ stepIndex: 1, now: now() });
    for (let i = 0; i < 2; i++) {
      const ms = await takeMeasurement(s, subject('search'), provider, now());
      expect(ms).toHaveLength(1);
      expect(ms[0]).toMatchObject({ metric: 'error-rate', result: 'Error' });
      expect(ms[0]?.message).toMatch(/unreachable/);
      expect(combineResults(ms.map((m) => m.result))).toBe('Error');
      run = advanceRun(run, s, ms, now());
    }
    expect(run).toMatchObject({ phase: 'Error', errors: 2, consecutiveErrors: 2, successful: 0 });
    expect(run.message).toMatch(/2 consecutive errors > consecutiveErrorLimit 1 \(action Rollback\)/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  createMetrics,
  EVAL_VERDICTS,
  MAX_SERVED_MODELS,
  OUTCOMES,
  TOOL_OUTCOMES,
  UPSTREAM_ERROR_KINDS,
} from './metrics.js';

function setup(namespace?: string) {
  let breaker = 0;
  let inFlight = 0;
  const metrics = createMetrics({
    labels: { agent: 'orchestrator', version: '1.1.0', track: 'canary', namespace },
    breakerState: () => breaker,
    inFlight: () => inFlight,
    processMetrics: false,
  });
  return {
    metrics,
    set: (b: number, f: number) => {
      breaker = b;
      inFlight = f;
    },
  };
}

/** The value of the one sample whose name and labels contain all of `parts`. */
function sample(text: string, name: string, ...parts: string[]): number {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) && parts.every((p) => l.includes(p)));
  expect(lines, `${name} ${parts.join(',')}`).toHaveLength(1);
  return Number(lines[0]?.split(' ').at(-1));
}

describe('createMetrics', () => {
  it('labels every series with agent, version, track and namespace', async () => {
    const { metrics } = setup('team-a');
    metrics.observeRequest('success', 0.1);
    const text = await metrics.registry.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('agent_'));
    expect(series.length).toBeGreaterThan(10);
    for (const line of series) {
      expect(line).toContain('agent="orchestrator"');
      expect(line).toContain('version="1.1.0"');
      expect(line).toContain('track="canary"');
      expect(line).toContain('namespace="team-a"');
    }
  });

  it('leaves the namespace label out when the namespace is unknown', async () => {
    const { metrics } = setup(undefined);
    expect(await metrics.registry.metrics()).not.toContain('namespace=');
  });

  it('starts every outcome and error kind at zero so ratios exist from the start', async () => {
    const text = await setup().metrics.registry.metrics();
    for (const outcome of OUTCOMES)
      expect(sample(text, 'agent_requests_total', `outcome="${outcome}"`)).toBe(0);
    for (const kind of UPSTREAM_ERROR_KINDS) {
      expect(sample(text, 'agent_upstream_errors_total', `kind="${kind}"`)).toBe(0);
    }
    expect(sample(text, 'agent_tokens_total', 'type="prompt"')).toBe(0);
  });

  it('counts requests by outcome with a duration histogram', async () => {
    const { metrics } = setup();
    metrics.observeRequest('success', 0.2);
    metrics.observeRequest('success', 0.3);
    metrics.observeRequest('error', 0.004);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'agent_requests_total', 'outcome="success"')).toBe(2);
    expect(sample(text, 'agent_requests_total', 'outcome="error"')).toBe(1);
    expect(sample(text, 'agent_request_duration_seconds_bucket', 'outcome="success"', 'le="0.25"')).toBe(1);
    expect(sample(text, 'agent_request_duration_seconds_count', 'outcome="success"')).toBe(2);
    expect(sample(text, 'agent_request_duration_seconds_bucket', 'outcome="error"', 'le="0.005"')).toBe(1);
  });

  it('adds tokens by type and cost in USD', async () => {
    const { metrics } = setup();
    metrics.usage(100, 40, 0.0015);
    metrics.usage(10, 0, undefined);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'agent_tokens_total', 'type="prompt"')).toBe(110);
    expect(sample(text, 'agent_tokens_total', 'type="completion"')).toBe(40);
    expect(sample(text, 'agent_cost_usd_total')).toBeCloseTo(0.0015, 10);
  });

  it('reads breaker state and in-flight count at scrape time', async () => {
    const { metrics, set } = setup();
    set(2, 7);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'agent_circuit_breaker_state')).toBe(2);
    expect(sample(text, 'agent_inflight_requests')).toBe(7);
  });

  it('counts upstream errors by kind', async () => {
    const { metrics } = setup();
    metrics.upstreamError('server');
    metrics.upstreamError('server');
    metrics.upstreamError('timeout');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'agent_upstream_errors_total', 'kind="server"')).toBe(2);
    expect(sample(text, 'agent_upstream_errors_total', 'kind="timeout"')).toBe(1);
  });

  it('keeps served_model to the first distinct names, then counts the rest as "other"', async () => {
    const { metrics } = setup();
    for (let i = 0; i < MAX_SERVED_MODELS + 3; i++) metrics.served(`model-${i}`);
    metrics.served('model-0');
    const text = await metrics.registry.metrics();
    const lines = text.split('\n').filter((l) => l.startsWith('agent_model_served_total{'));
    expect(lines).toHaveLength(MAX_SERVED_MODELS + 1);
    expect(sample(text, 'agent_model_served_total', 'served_model="model-0"')).toBe(2);
    expect(sample(text, 'agent_model_served_total', 'served_model="other"')).toBe(3);
  });

  it("creates the tool series of the version's tools at 0, and the judge series only with a judge", async () => {
    const metrics = createMetrics({
      labels: { agent: 'a', version: '1.0.0', track: 'stable' },
      breakerState: () => 0,
      inFlight: () => 0,
      tools: ['search'],
      toolBreakerState: () => 1,
      processMetrics: false,
    });
    const text = await metrics.registry.metrics();
    for (const outcome of TOOL_OUTCOMES)
      expect(sample(text, 'agent_tool_calls_total', `outcome="${outcome}"`)).toBe(0);
    expect(sample(text, 'agent_tool_circuit_breaker_state', 'tool="search"')).toBe(1);
    expect(text).not.toContain('agent_evals_total{');
    const judged = await setupJudged().registry.metrics();
    for (const verdict of EVAL_VERDICTS)
      expect(sample(judged, 'agent_evals_total', `verdict="${verdict}"`)).toBe(0);
  });
});

function setupJudged() {
  return createMetrics({
    labels: { agent: 'a', version: '1.0.0', track: 'stable' },
    breakerState: () => 0,
    inFlight: () => 0,
    judge: true,
    processMetrics: false,
  });
}

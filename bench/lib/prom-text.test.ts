import { describe, expect, it } from 'vitest';
import { breakdown, delta, histogramQuantile, parsePromText, sumOf } from './prom-text.js';

const scrape = `# HELP agentarmy_api_writes_total Writes
# TYPE agentarmy_api_writes_total counter
agentarmy_api_writes_total{verb="apply",kind="Deployment"} 999
agentarmy_api_writes_total{verb="patch",kind="AgentArmy"} 400
agentarmy_api_writes_total{verb="create",kind="Event"} 12
weird_total{msg="a \\"quoted\\" \\\\ value"} 1
h_bucket{controller="agentarmy",le="0.01"} 10
h_bucket{controller="agentarmy",le="0.1"} 90
h_bucket{controller="agentarmy",le="1"} 100
h_bucket{controller="agentarmy",le="+Inf"} 100
h_bucket{controller="other",le="0.01"} 0
h_bucket{controller="other",le="0.1"} 0
h_bucket{controller="other",le="1"} 0
h_bucket{controller="other",le="+Inf"} 5
`;

describe('Prometheus text parsing for the benchmark', () => {
  const samples = parsePromText(scrape);

  it('reads samples with their labels and unescapes label values', () => {
    expect(samples.find((s) => s.name === 'weird_total')?.labels.msg).toBe('a "quoted" \\ value');
    expect(sumOf(samples, 'agentarmy_api_writes_total')).toBe(1411);
    expect(sumOf(samples, 'agentarmy_api_writes_total', { verb: 'apply' })).toBe(999);
  });

  it('breaks a counter down by labels', () => {
    expect(breakdown(samples, 'agentarmy_api_writes_total', ['verb', 'kind'])).toEqual({
      'apply Deployment': 999,
      'patch AgentArmy': 400,
      'create Event': 12,
    });
  });

  it('subtracts an earlier scrape series by series', () => {
    const later = parsePromText(scrape.replace('} 999', '} 1005'));
    const d = delta(samples, later);
    expect(sumOf(d, 'agentarmy_api_writes_total')).toBe(6);
  });

  it.each([
    // rank 50 of 100 lies in (0.01, 0.1] holding 80 observations: 0.01 + 0.09 × 40/80
    [0.5, 0.055],
    // rank 5 lies in the first bucket, interpolated from 0
    [0.05, 0.005],
    [0.99, 0.1 + 0.9 * (9 / 10)],
  ])('computes quantile %s like histogram_quantile', (q, want) => {
    expect(histogramQuantile(samples, 'h', q, { controller: 'agentarmy' })).toBeCloseTo(want, 9);
  });

  it('answers the highest finite bound for a quantile in the +Inf bucket, and null when empty', () => {
    expect(histogramQuantile(samples, 'h', 0.5, { controller: 'other' })).toBe(1);
    expect(histogramQuantile(samples, 'h', 0.5, { controller: 'none' })).toBeNull();
  });
});

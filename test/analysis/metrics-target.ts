// A tiny HTTP metrics target for the analysis tests: serves agent-runtime's metric names and labels
// (agent_requests_total{outcome}, agent_request_duration_seconds{outcome}, agent_cost_usd_total, with
// namespace/agent/version/track on every series) for a set of simulated tracks. Counters grow with wall
// time at the configured request rate, so rate() over any window sees exactly the configured shares.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimulatedTrack {
  namespace: string;
  agent: string;
  version: string;
  track: string;
  /** Finished requests per second (0 = no traffic; series still exist at 0 like the runtime's). */
  rps: number;
  /** Shares of the requests per failing outcome; the rest are successes. */
  shares?: Partial<Record<'error' | 'timeout' | 'rejected' | 'invalid', number>>;
  /** Duration of every successful request in seconds (failures take 5 ms). */
  latency: number;
  /** USD per successful request. */
  costPerSuccess: number;
}

const OUTCOMES = ['success', 'error', 'timeout', 'rejected', 'invalid', 'canceled'] as const;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
const FAILURE_LATENCY = 0.005;

function labels(t: SimulatedTrack, extra: Record<string, string> = {}): string {
  const all = { namespace: t.namespace, agent: t.agent, version: t.version, track: t.track, ...extra };
  return `{${Object.entries(all)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

/** The exposition text for all tracks `elapsed` seconds after the start. */
export function exposition(tracks: SimulatedTrack[], elapsed: number): string {
  const lines = [
    '# TYPE agent_requests_total counter',
    '# TYPE agent_request_duration_seconds histogram',
    '# TYPE agent_cost_usd_total counter',
  ];
  for (const t of tracks) {
    const total = t.rps * elapsed;
    const failed = Object.values(t.shares ?? {}).reduce((a, b) => a + (b ?? 0), 0);
    const counts: Record<(typeof OUTCOMES)[number], number> = {
      success: total * (1 - failed),
      error: total * (t.shares?.error ?? 0),
      timeout: total * (t.shares?.timeout ?? 0),
      rejected: total * (t.shares?.rejected ?? 0),
      invalid: total * (t.shares?.invalid ?? 0),
      canceled: 0,
    };
    for (const outcome of OUTCOMES) {
      const n = counts[outcome];
      const latency = outcome === 'success' ? t.latency : FAILURE_LATENCY;
      lines.push(`agent_requests_total${labels(t, { outcome })} ${n}`);
      for (const le of BUCKETS) {
        lines.push(
          `agent_request_duration_seconds_bucket${labels(t, { outcome, le: String(le) })} ${latency <= le ? n : 0}`,
        );
      }
      lines.push(`agent_request_duration_seconds_bucket${labels(t, { outcome, le: '+Inf' })} ${n}`);
      lines.push(`agent_request_duration_seconds_sum${labels(t, { outcome })} ${n * latency}`);
      lines.push(`agent_request_duration_seconds_count${labels(t, { outcome })} ${n}`);
    }
    lines.push(`agent_cost_usd_total${labels(t)} ${counts.success * t.costPerSuccess}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface MetricsTarget {
  /** host:port for a scrape config. */
  address: string;
  close(): Promise<void>;
}

export async function startMetricsTarget(tracks: SimulatedTrack[]): Promise<MetricsTarget> {
  const started = Date.now();
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(exposition(tracks, (Date.now() - started) / 1000));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// A metrics target whose error share can change while it runs: agent-runtime's agent_requests_total
// (outcome success|error) for simulated tracks, integrated over time so the counters stay monotonic when
// a track's error share flips. Used by the rollback-latency benchmark.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlipTrack {
  namespace: string;
  version: string;
  track: string;
  rps: number;
  /** Share of requests that fail with outcome "error"; may be changed at any time. */
  errorShare: number;
}

interface State extends FlipTrack {
  success: number;
  error: number;
  since: number;
}

export async function startFlipTarget() {
  const tracks: State[] = [];
  /** Brings the counters up to now with the share that held since the last update. */
  const advance = (t: State, now: number) => {
    const n = t.rps * ((now - t.since) / 1000);
    t.error += n * t.errorShare;
    t.success += n * (1 - t.errorShare);
    t.since = now;
  };
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    const now = Date.now();
    const lines = ['# TYPE agent_requests_total counter'];
    for (const t of tracks) {
      advance(t, now);
      const l = `namespace="${t.namespace}",agent="orchestrator",version="${t.version}",track="${t.track}"`;
      lines.push(`agent_requests_total{${l},outcome="success"} ${t.success}`);
      lines.push(`agent_requests_total{${l},outcome="error"} ${t.error}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    /** Adds a track; setting `errorShare` on the returned object takes effect from that moment. */
    add(t: FlipTrack): FlipTrack {
      const state: State = { ...t, success: 0, error: 0, since: Date.now() };
      tracks.push(state);
      return new Proxy(state, {
        set(target, key, value) {
          if (key === 'errorShare') advance(target, Date.now());
          return Reflect.set(target, key, value);
        },
      });
    },
    removeNamespace(ns: string) {
      for (let i = tracks.length - 1; i >= 0; i--) if (tracks[i]?.namespace === ns) tracks.splice(i, 1);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

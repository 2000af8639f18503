// Proves the harness's Prometheus is real: it scrapes an HTTP target served by this test and answers
// PromQL over its HTTP API with what it scraped.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/cluster.js';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.js';

let target: Server;
let prom: RunningPrometheus;
let hits = 0;

beforeAll(async () => {
  target = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    hits += 1;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE smoke_scrapes_total counter\nsmoke_scrapes_total ${hits}\n`);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as AddressInfo).port;
  prom = await startPrometheus([
    { job: 'smoke', targets: [`127.0.0.1:${port}`], labels: { track: 'stable' } },
  ]);
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await new Promise((r) => target?.close(r));
});

describe('harness Prometheus', () => {
  it('scrapes a live target: up == 1 and the served counter is queryable with its labels', async () => {
    const up = await eventually(
      'up{job="smoke"} == 1',
      async () => {
        const r = await prom.query('up{job="smoke"}');
        return r[0]?.value[1] === '1' ? r[0] : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(up.metric.track).toBe('stable');
    const scraped = await eventually('smoke_scrapes_total to be stored', async () => {
      const r = await prom.query('smoke_scrapes_total{job="smoke"}');
      return r[0] ? Number(r[0].value[1]) : undefined;
    });
    expect(scraped).toBeGreaterThanOrEqual(1);
    expect(hits).toBeGreaterThanOrEqual(scraped);
  });

  it('reports up == 0 for a target that does not answer', async () => {
    const down = await startPrometheus([{ job: 'gone', targets: ['127.0.0.1:1'] }]);
    try {
      const r = await eventually(
        'up{job="gone"} sample',
        async () => {
          const v = await down.query('up{job="gone"}');
          return v[0];
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(r.value[1]).toBe('0');
    } finally {
      await down.stop();
    }
  });
});

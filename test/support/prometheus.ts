// A real Prometheus (the Debian `prometheus` package, 2.42) started by a test on a free loopback port with
// a scrape config the test writes. Tests wait for samples; they never sleep blindly.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { eventually } from './cluster.js';

export interface ScrapeJob {
  job: string;
  /** host:port targets on loopback. */
  targets: string[];
  /** Extra labels attached to every series of the job (e.g. track, version). */
  labels?: Record<string, string>;
  metricsPath?: string;
}

export interface RunningPrometheus {
  url: string;
  port: number;
  /** Instant query; returns the raw `data.result` vector. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

export const prometheusBinary = process.env.PROMETHEUS_BIN ?? 'prometheus';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function prometheusConfig(jobs: ScrapeJob[], scrapeIntervalSeconds = 1): string {
  return stringify({
    global: {
      scrape_interval: `${scrapeIntervalSeconds}s`,
      evaluation_interval: `${scrapeIntervalSeconds}s`,
    },
    scrape_configs: jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath ?? '/metrics',
      static_configs: [{ targets: j.targets, labels: j.labels ?? {} }],
    })),
  });
}

export interface PrometheusOptions {
  scrapeIntervalSeconds?: number;
  /** A whole configuration (e.g. with kubernetes_sd_configs) instead of one made from `jobs`. */
  rawConfig?: Record<string, unknown>;
  /** Listen address (default 127.0.0.1; the real node's IP for an in-cluster operator). */
  host?: string;
  port?: number;
  /** The Prometheus binary (default PROMETHEUS_BIN or Debian's `prometheus`). */
  binary?: string;
}

export async function startPrometheus(jobs: ScrapeJob[], opts: PrometheusOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-army-prom-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    opts.rawConfig ? stringify(opts.rawConfig) : prometheusConfig(jobs, opts.scrapeIntervalSeconds ?? 1),
  );
  const port = opts.port ?? (await freePort());
  const host = opts.host ?? '127.0.0.1';
  const url = `http://${host}:${port}`;
  const child: ChildProcess = spawn(
    opts.binary ?? prometheusBinary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${host}:${port}`,
      '--web.enable-lifecycle',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const query: RunningPrometheus['query'] = async (promql) => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown } };
    if (body.status !== 'success') throw new Error(`prometheus query failed: ${body.error ?? res.status}`);
    return body.data?.result as Awaited<ReturnType<RunningPrometheus['query']>>;
  };
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      'prometheus to become ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
        const res = await fetch(`${url}/-/ready`);
        return res.ok ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const running: RunningPrometheus = { url, port, query, stop };
  return running;
}

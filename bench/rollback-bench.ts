// Benchmark: how fast a canary that goes bad is taken out of traffic. 20 runs (BENCH_RUNS) on the local
// test cluster with the operator's controllers running and a real Prometheus scraping a metrics target
// that serves agent-runtime's request counters: each run starts a release at 10% whose canary is healthy,
// waits until analysis has passed once, then flips the canary to a 30% error rate. Measured per run:
//   - flip → the error rate Prometheus returns crosses 0.05 (the window filling with errors; not ours)
//   - crossing → the operator writes canaryWeight 0 to the release status (ours)
// Target: crossing → weight 0 within the analysis interval + 2 s. JSON in bench/results/rollback.json.
//   npx tsx bench/rollback-bench.ts       Env: BENCH_RUNS (20), BENCH_INTERVAL ("2s")
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { agentVersion, secret } from '../test/army/fixtures.js';
import {
  applyManifest,
  eventually,
  getObject,
  kubectl,
  kubectlOk,
  repoRoot,
} from '../test/support/cluster.js';
import { canaryArmy, canaryRelease, startOperatorInProcess } from '../test/support/delivery.js';
import { startPrometheus } from '../test/support/prometheus.js';
import { startFlipTarget } from './lib/flip-target.js';

const runs = Number(process.env.BENCH_RUNS ?? 20);
const interval = process.env.BENCH_INTERVAL ?? '2s';
const intervalS = Number.parseFloat(interval);
const WINDOW = '10s';
const THRESHOLD = 0.05;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
};
const say = (m: string) => process.stderr.write(`[bench rollback] ${m}\n`);

type Release = {
  status?: { phase?: string; canaryWeight?: number; analysisRuns?: { successful: number }[] };
};
const getJson = getObject;
const apply = applyManifest;
const army = (ns: string, version: string) => canaryArmy(ns, version, 10);

async function main() {
  execFileSync('bash', [join(repoRoot, 'test/cluster/cluster.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  const stamp = Date.now().toString(36);
  const namespaces = Array.from({ length: runs }, (_, i) => `rollback-${stamp}-${i + 1}`);
  const target = await startFlipTarget();
  const prom = await startPrometheus([{ job: 'agents', targets: [target.address] }]);
  const mgr = startOperatorInProcess(namespaces);
  const results: { flipToCrossingS: number; crossingToWeight0S: number; flipToWeight0S: number }[] = [];
  try {
    for (const [i, ns] of namespaces.entries()) {
      await kubectlOk(['create', 'namespace', ns]);
      await apply(secret(ns));
      await apply(agentVersion(ns, 'orch-v1', '1.0.0'));
      await apply(agentVersion(ns, 'orch-v2', '1.1.0'));
      const stable = target.add({
        namespace: ns,
        version: '1.0.0',
        track: 'stable',
        rps: 50,
        errorShare: 0.01,
      });
      const canary = target.add({ namespace: ns, version: '1.1.0', track: 'canary', rps: 20, errorShare: 0 });
      await apply(
        canaryRelease(ns, {
          steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 100 }],
          analysis: {
            provider: { prometheus: { address: prom.url, timeout: '5s' } },
            interval,
            count: 1000,
            window: WINDOW,
            minSampleSize: 5,
            maxErrorRate: THRESHOLD,
            // The first ticks may come before Prometheus has a rate; only the flip is measured.
            inconclusiveLimit: 1000,
          },
        }),
      );
      await eventually(
        'Prometheus to have a rate for the canary',
        async () => {
          const r = await prom.query(
            `sum(rate(agent_requests_total{namespace="${ns}",track="canary"}[${WINDOW}])) > 0`,
          );
          return r.length ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      await apply(army(ns, 'orch-v1'));
      await kubectlOk(['wait', 'agentarmy/support', '-n', ns, '--for=condition=Ready', '--timeout=60s']);
      await apply(army(ns, 'orch-v2'));
      await eventually(
        'one passing measurement at 10%',
        async () => {
          const r = await getJson<Release>(ns, 'canaryrelease/orchestrator');
          return (r?.status?.analysisRuns?.at(-1)?.successful ?? 0) >= 1 ? r : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 200 },
      );
      const t0 = performance.now();
      canary.errorShare = 0.3;
      stable.errorShare = 0.01;
      const query = `sum(rate(agent_requests_total{namespace="${ns}",track="canary",outcome=~"error|timeout"}[${WINDOW}])) / sum(rate(agent_requests_total{namespace="${ns}",track="canary"}[${WINDOW}]))`;
      let crossing: number | undefined;
      let weight0: number | undefined;
      while (weight0 === undefined && performance.now() - t0 < 120_000) {
        if (crossing === undefined) {
          const v = Number((await prom.query(query))[0]?.value[1] ?? Number.NaN);
          if (v > THRESHOLD) crossing = performance.now();
        }
        const r = await getJson<Release>(ns, 'canaryrelease/orchestrator');
        if (r?.status?.canaryWeight === 0) weight0 = performance.now();
        else await sleep(100);
      }
      if (weight0 === undefined) throw new Error(`run ${i + 1}: canary weight never reached 0`);
      const c = crossing ?? weight0;
      results.push({
        flipToCrossingS: round((c - t0) / 1000),
        crossingToWeight0S: round((weight0 - c) / 1000),
        flipToWeight0S: round((weight0 - t0) / 1000),
      });
      say(`run ${i + 1}/${runs}: ${JSON.stringify(results.at(-1))}`);
      target.removeNamespace(ns);
      await kubectl(['delete', 'namespace', ns, '--wait=false']);
    }
  } finally {
    await mgr.stop();
    await prom.stop();
    await target.close();
  }
  const ours = results.map((r) => r.crossingToWeight0S);
  const targetS = intervalS + 2;
  const result = {
    benchmark: 'rollback-latency',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAverageAtEnd: loadavg().map((l) => round(l)) },
    setup: {
      runs,
      analysis: { interval, window: WINDOW, maxErrorRate: THRESHOLD, minSampleSize: 5 },
      prometheusScrapeIntervalS: 1,
      canary: '10% of 10 pods; 20 req/s, error share 0 → 0.3 at the flip; stable 50 req/s at 1%',
      operator: 'AgentArmy, AgentVersion and CanaryRelease controllers in the benchmark process',
      polling: 'release status and the Prometheus query every ~100 ms (kubectl get adds ~50–100 ms)',
    },
    targetS: { crossingToWeight0: targetS, meaning: 'analysis interval + 2 s' },
    crossingToWeight0S: { p50: quantile(ours, 0.5), p95: quantile(ours, 0.95), max: Math.max(...ours) },
    flipToWeight0S: {
      p50: quantile(
        results.map((r) => r.flipToWeight0S),
        0.5,
      ),
      p95: quantile(
        results.map((r) => r.flipToWeight0S),
        0.95,
      ),
    },
    pass: quantile(ours, 0.95) <= targetS,
    runs: results,
  };
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench/results/rollback.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `rollback latency over ${runs} runs: crossing → weight 0 p50 ${result.crossingToWeight0S.p50} s, p95 ${result.crossingToWeight0S.p95} s (target ≤ ${targetS} s: ${result.pass ? 'PASS' : 'FAIL'}); flip → weight 0 p50 ${result.flipToWeight0S.p50} s`,
  );
  return result.pass ? 0 : 1;
}

process.exit(await main());

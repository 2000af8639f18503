// The demo as a function, so `make demo` prints it and the e2e test asserts on the same run:
//  1. army `support` with agent `orchestrator` at 1.0.0 → Ready
//  2. 1.1.0 calls a model the local upstream fails 30% of the time → canary 10% → analysis Fail →
//     automatic rollback (weight 0, canary scaled down), Event with the measured error rate
//  3. 1.2.0 is healthy → 10% → 50% → 100% → Promoted
//  4. 1.3.0 changes only its prompt (same model, errors, latency); its answers score worse with the judge
//     → canary 10% → judge gate Fail → automatic rollback, the Event showing both mean scores
// Real pieces: control plane, operator process, agent-runtime processes (one per track, configured from
// what the operator rendered), the openai SDK, a local OpenAI-compatible upstream, Prometheus, load.
import { join } from 'node:path';
import { stringify } from 'yaml';
import { deleteNamespaces, kubeconfigPath, kubectlOk, repoRoot } from '../support/cluster.js';
import { freePort, type ServiceProcess, spawnFakeOpenAI, spawnOperator } from '../support/processes.js';
import { startPrometheus } from '../support/prometheus.js';
import { LoadGenerator } from './load.js';
import { JUDGE_MODEL, releaseDoc, versionDoc, WORSE_PROMPT } from './manifests.js';
import { type DemoResult, follower, playActs } from './story.js';
import { TrackProcesses } from './track-processes.js';

export const DEMO_NAMESPACE = 'agent-army-demo';
export type { DemoResult } from './story.js';

export async function runDemo(say: (line: string) => void): Promise<DemoResult> {
  const t0 = Date.now();
  const ns = DEMO_NAMESPACE;
  const k = (args: string[], input?: string) => kubectlOk(args, input === undefined ? {} : { input });
  const apply = (doc: unknown) => k(['apply', '-n', ns, '-f', '-'], stringify(doc));
  const get = async <T>(kind: string, name: string) =>
    JSON.parse(await k(['get', kind, name, '-n', ns, '-o', 'json'])) as T;
  const stops: (() => Promise<void> | void)[] = [];
  try {
    say('installing the CRDs generated from the zod schemas (crds/)');
    await k(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
    await k(['wait', '--for=condition=Established', '--timeout=60s', '-f', join(repoRoot, 'crds')]);
    await deleteNamespaces([ns], { wait: true });
    await k(['create', 'namespace', ns]);

    say(
      'starting a local OpenAI-compatible upstream: gpt-4o-mini healthy, flaky-model fails 30% of calls, a judge model',
    );
    const upstream = await spawnFakeOpenAI({
      seed: 7,
      models: {
        'gpt-4o-mini': { latencyMs: { min: 5, max: 25 } },
        'flaky-model': { latencyMs: { min: 5, max: 25 }, errorRate: 0.3, errorStatus: 500, retryable: false },
        judge: JUDGE_MODEL,
      },
    });
    stops.push(async () => void (await upstream.stop()));
    const ports = { stable: await freePort(), canary: await freePort() };
    const prom = await startPrometheus([
      { job: 'agents', targets: [`127.0.0.1:${ports.stable}`, `127.0.0.1:${ports.canary}`] },
    ]);
    stops.push(() => prom.stop());
    say(
      `Prometheus ${prom.url} scrapes the stable (:${ports.stable}) and canary (:${ports.canary}) runtimes`,
    );

    const operator: ServiceProcess = await spawnOperator('operator', [
      `--kubeconfig=${kubeconfigPath}`,
      `--namespaces=${ns}`,
      '--leader-elect=false',
      '--log-level=warn',
    ]);
    stops.push(() => operator.stop().then(() => undefined));
    say(`operator running (metrics ${operator.url}/metrics)`);

    const baseURL = `${upstream.url}/v1`;
    await apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'llm' },
      stringData: { 'api-key': 'sk-demo-local' },
    });
    await apply(versionDoc('orchestrator-v1-0-0', '1.0.0', 'gpt-4o-mini', baseURL));
    await apply(versionDoc('orchestrator-v1-1-0', '1.1.0', 'flaky-model', baseURL));
    await apply(versionDoc('orchestrator-v1-2-0', '1.2.0', 'gpt-4o-mini', baseURL));
    await apply(versionDoc('orchestrator-v1-3-0', '1.3.0', 'gpt-4o-mini', baseURL, WORSE_PROMPT));
    await apply(releaseDoc(prom.url));

    const tracks = new TrackProcesses(
      ns,
      { stable: 'support-orchestrator', canary: 'support-orchestrator-canary' },
      ports,
    );
    stops.push(() => tracks.stop());
    const load = new LoadGenerator(tracks, 25);
    stops.push(() => load.stop());
    const army = (version: string) => ({
      apiVersion: 'agentarmy.dev/v1alpha1',
      kind: 'AgentArmy',
      metadata: { name: 'support' },
      spec: {
        agents: [
          {
            name: 'orchestrator',
            version,
            replicas: 4,
            strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orchestrator' } } },
          },
        ],
      },
    });

    // The process demo plays kubelet on every poll: runtimes start and stop as the army's pods do.
    const follow = follower({
      get,
      say,
      steps: 5,
      onPoll: async () => {
        for (const c of await tracks.sync()) say(`  runtime: ${c}`);
      },
    });

    say('1. army "support": orchestrator 1.0.0 on 4 pods');
    await apply(army('orchestrator-v1-0-0'));
    await follow(
      '1.0.0',
      (_r, a) => a.status?.phase === 'Ready' && tracks.state.stable.url !== undefined,
      90_000,
    );
    load.start();
    say('   Ready; sending 25 requests/s through agent-runtime → openai SDK → upstream');
    await new Promise((r) => setTimeout(r, 5000));

    const acts = await playActs({
      say,
      k,
      ns,
      follow,
      applyArmy: (version) => apply(army(version)),
      timeoutsMs: { rollback: 180_000, promotion: 240_000, judged: 240_000 },
    });
    load.stop();
    return {
      ...acts,
      requests: { sent: load.sent, failed: load.failed },
      seconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    await k(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  }
}

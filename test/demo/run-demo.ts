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
import type { AgentArmy, CanaryRelease, CanaryReleaseStatus } from '../../operator/src/api/v1alpha1/index.js';
import { deleteNamespaces, eventually, kubeconfigPath, kubectlOk, repoRoot } from '../support/cluster.js';
import { freePort, type ServiceProcess, spawnFakeOpenAI, spawnOperator } from '../support/processes.js';
import { startPrometheus } from '../support/prometheus.js';
import { LoadGenerator } from './load.js';
import {
  JUDGE_MODEL,
  type JudgedRollback,
  judgedRollback,
  releaseDoc,
  versionDoc,
  WORSE_PROMPT,
} from './manifests.js';
import { TrackProcesses } from './track-processes.js';

export const DEMO_NAMESPACE = 'agent-army-demo';
type Release = CanaryRelease;
type Army = AgentArmy;

export interface DemoResult {
  rollback: { weights: number[]; errorRate?: number; event?: string; stable?: string };
  promotion: { weights: number[]; stable?: string; phase?: string; stepsCompleted: string[] };
  /** Act 4: the version whose answers got worse, rolled back by the judge gate. */
  judged: JudgedRollback;
  requests: { sent: number; failed: number };
  seconds: number;
}

/** The RolledBack Event of `version` (the release keeps one per rollback). */
export async function rolledBackEvent(
  k: (args: string[]) => Promise<string>,
  ns: string,
  version: string,
): Promise<string | undefined> {
  const events = JSON.parse(
    await k(['get', 'events', '-n', ns, '--field-selector', 'reason=RolledBack', '-o', 'json']),
  ) as { items: { message: string }[] };
  return events.items.map((e) => e.message).find((m) => m.includes(`rolled back ${version} `));
}

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

    /** Follows the release (and plays kubelet) until `done`, printing each change of step/weight/phase. */
    const follow = async (done: (r: Release, a: Army) => boolean, timeoutMs: number) => {
      const weights: number[] = [];
      let last = '';
      return eventually(
        'the release to settle',
        async () => {
          for (const c of await tracks.sync()) say(`  runtime: ${c}`);
          const r = await get<Release>('canaryrelease', 'orchestrator');
          const a = await get<Army>('agentarmy', 'support');
          const s: Partial<CanaryReleaseStatus> = r.status ?? {};
          if (weights.at(-1) !== (s.canaryWeight ?? 0)) weights.push(s.canaryWeight ?? 0);
          const latest = (metric: string) =>
            s.analysisRuns
              ?.at(-1)
              ?.measurements.filter((x) => x.metric === metric)
              .at(-1);
          const m = latest('error-rate');
          const j = latest('judge-score');
          const line = `phase=${s.phase ?? 'Idle'} step=${Math.min((s.currentStepIndex ?? 0) + 1, 5)}/5 weight=${s.canaryWeight ?? 0}% ${m ? `error-rate=${m.value?.toFixed(3) ?? '-'} (${m.result}, ${m.sampleSize ?? 0} requests)` : ''}${j ? ` judge-score=${j.value?.toFixed(2) ?? '-'} vs stable ${j.stableValue?.toFixed(2) ?? '-'} (${j.result})` : ''}`;
          if (line !== last) say(`  release: ${line}`);
          last = line;
          return done(r, a) ? { r, a, weights } : undefined;
        },
        { timeoutMs, intervalMs: 500 },
      );
    };

    say('1. army "support": orchestrator 1.0.0 on 4 pods');
    await apply(army('orchestrator-v1-0-0'));
    await follow((_r, a) => a.status?.phase === 'Ready' && tracks.state.stable.url !== undefined, 90_000);
    load.start();
    say('   Ready; sending 25 requests/s through agent-runtime → openai SDK → upstream');
    await new Promise((r) => setTimeout(r, 5000));

    say('2. rolling out 1.1.0 (flaky-model) as a canary');
    await apply(army('orchestrator-v1-1-0'));
    const bad = await follow(
      (r) => r.status?.phase === 'RolledBack' || r.status?.phase === 'Paused',
      180_000,
    );
    const failing = bad.r.status?.analysisRuns
      ?.flatMap((x) => x.measurements)
      .filter((m) => m.metric === 'error-rate' && m.result === 'Fail')
      .at(-1);
    const events = JSON.parse(
      await k(['get', 'events', '-n', ns, '--field-selector', 'reason=RolledBack', '-o', 'json']),
    ) as { items: { message: string }[] };
    say(`   ${bad.r.status?.phase}: ${bad.r.status?.message ?? ''}`);
    if (events.items[0]) say(`   Event RolledBack: ${events.items[0].message}`);

    say('3. rolling out 1.2.0 (healthy) as a canary');
    await apply(army('orchestrator-v1-2-0'));
    const good = await follow(
      (r, a) =>
        r.status?.phase === 'Promoted' && a.status?.agents?.[0]?.stableVersion === 'orchestrator-v1-2-0',
      240_000,
    );
    say(`   Promoted: ${good.a.status?.agents?.[0]?.message ?? ''}`);
    const steps = JSON.parse(
      await k([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        'involvedObject.kind=CanaryRelease,reason=StepCompleted',
        '-o',
        'json',
      ]),
    ) as { items: { message: string }[] };

    say('4. rolling out 1.3.0 (a new prompt only: same model, errors and latency) as a canary');
    await apply(army('orchestrator-v1-3-0'));
    const worse = await follow(
      (r) =>
        r.status?.toVersion === 'orchestrator-v1-3-0' &&
        (r.status?.phase === 'RolledBack' || r.status?.phase === 'Paused'),
      240_000,
    );
    const judgedEvent = await rolledBackEvent(k, ns, 'orchestrator-v1-3-0');
    say(`   ${worse.r.status?.phase}: ${worse.r.status?.message ?? ''}`);
    if (judgedEvent) say(`   Event RolledBack: ${judgedEvent}`);
    load.stop();
    return {
      judged: judgedRollback(worse.r, worse.weights, judgedEvent, worse.a.status?.agents?.[0]?.stableVersion),
      rollback: {
        weights: bad.weights,
        ...(failing?.value !== undefined ? { errorRate: failing.value } : {}),
        ...(events.items[0] ? { event: events.items[0].message } : {}),
        ...(bad.a.status?.agents?.[0]?.stableVersion ? { stable: bad.a.status.agents[0].stableVersion } : {}),
      },
      promotion: {
        weights: good.weights,
        ...(good.a.status?.agents?.[0]?.stableVersion
          ? { stable: good.a.status.agents[0].stableVersion }
          : {}),
        ...(good.r.status?.phase ? { phase: good.r.status.phase } : {}),
        stepsCompleted: steps.items.map((e) => e.message),
      },
      requests: { sent: load.sent, failed: load.failed },
      seconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    await k(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  }
}

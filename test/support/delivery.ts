// Shared pieces of the progressive-delivery tests and benchmarks: the operator's three controllers in
// this process, an army whose one agent is a Canary, a simulated track of agent-runtime metrics, and the
// world those tests stand on (metrics target, real Prometheus, CRDs, namespace and Secret).
import { agentArmyController } from '../../operator/src/controllers/agent-army/controller.js';
import { agentVersionController } from '../../operator/src/controllers/agent-version/controller.js';
import { canaryReleaseController } from '../../operator/src/controllers/canary-release/controller.js';
import { Manager } from '../../operator/src/kube/manager.js';
import { type MetricsTarget, type SimulatedTrack, startMetricsTarget } from '../analysis/metrics-target.js';
import { secret } from '../army/fixtures.js';
import { testConfig } from '../kube/support.js';
import { applyManifest, deleteNamespaces, eventually, kubectlOk, repoRoot } from './cluster.js';
import { type RunningPrometheus, startPrometheus } from './prometheus.js';

/** A Manager running the AgentArmy, AgentVersion and CanaryRelease controllers for `namespaces`. */
export function startOperatorInProcess(namespaces: string[]): Manager {
  const mgr = new Manager({ config: testConfig(namespaces.join(',')), serveHttp: false });
  for (const c of [agentArmyController, agentVersionController, canaryReleaseController])
    mgr.addController(c(mgr));
  void mgr.start();
  return mgr;
}

/** AgentArmy `support` whose agent `orchestrator` runs `version` with strategy Canary (release `orchestrator`). */
export function canaryArmy(namespace: string, version: string, replicas = 4) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name: 'support', namespace },
    spec: {
      agents: [
        {
          name: 'orchestrator',
          version,
          replicas,
          strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orchestrator' } } },
        },
      ],
    },
  };
}

/** CanaryRelease `orchestrator` targeting agent `orchestrator` of army `support` (see canaryArmy). */
export function canaryRelease(namespace: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name: 'orchestrator', namespace },
    spec: { targetRef: { army: 'support', agent: 'orchestrator' }, ...spec },
  };
}

/** The metrics one track of `orchestrator` would export: 20 req/s, 200 ms answers, $0.001 each. */
export function simulatedTrack(
  namespace: string,
  version: string,
  track: string,
  errorShare: number,
): SimulatedTrack {
  return {
    namespace,
    agent: 'orchestrator',
    version,
    track,
    rps: 20,
    shares: { error: errorShare },
    latency: 0.2,
    costPerSuccess: 0.001,
  };
}

/**
 * Waits until Prometheus has a success rate over `window` for `series` tracks of `namespace`. Analysis
 * needs two samples of every series; before that a measurement is Inconclusive and the release pauses
 * for a human (correctly), so tests start a release only once the data is there.
 */
export function waitForRates(prom: RunningPrometheus, namespace: string, series: number, window = '15s') {
  return eventually(
    `Prometheus to have a rate for ${series} tracks`,
    async () => {
      const r = await prom.query(
        `count(rate(agent_requests_total{namespace="${namespace}",outcome="success"}[${window}]) > 0)`,
      );
      return r[0]?.value[1] === String(series) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

export interface DeliveryWorld {
  target: MetricsTarget;
  prom: RunningPrometheus;
  /** Stops Prometheus and the metrics target and deletes the namespace (unless `keepNamespace`). */
  close(opts?: { keepNamespace?: boolean }): Promise<void>;
}

/**
 * What a progressive-delivery test stands on: a metrics target exporting `tracks` (the pods of
 * `namespace`), a real Prometheus scraping it with a rate for every track over `rateWindow`, the CRDs,
 * and the namespace with its `llm` Secret. AgentVersions and releases are the test's own.
 */
export async function startDeliveryWorld(
  namespace: string,
  tracks: SimulatedTrack[],
  rateWindow: string,
): Promise<DeliveryWorld> {
  const target = await startMetricsTarget(tracks);
  let prom: RunningPrometheus | undefined;
  const close = async (opts: { keepNamespace?: boolean } = {}) => {
    await prom?.stop();
    await target.close();
    if (!opts.keepNamespace) await deleteNamespaces([namespace]);
  };
  try {
    prom = await startPrometheus([{ job: 'agents', targets: [target.address] }]);
    await waitForRates(prom, namespace, tracks.length, rateWindow);
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', `${repoRoot}/crds`]);
    await kubectlOk(['create', 'namespace', namespace]);
    await applyManifest(secret(namespace));
    return { target, prom, close };
  } catch (err) {
    await close();
    throw err;
  }
}

// The demo on the real node: the same story as run-demo.ts, with nothing simulated between the control
// plane and the answers. The operator runs in the cluster (helm install of the chart, its image), agents
// are pods of the agent-runtime image, the fake upstream and the load generator are pods, Prometheus finds
// the agent pods by Kubernetes service discovery, and traffic goes through the agent's Service — so the
// canary's traffic share at each step is measured, not assumed.
import { stringify } from 'yaml';
import type { CanaryReleaseStatus } from '../../operator/src/api/v1alpha1/index.js';
import { type RealWorld, realArmy, realVersion, serviceUrl, startRealWorld } from '../real-node/world.js';
import { deleteNamespaces, kubectlOk } from '../support/cluster.js';
import { type LoadStats, sharesBetween } from '../support/real-node.js';
import { DEMO_JUDGE, JUDGE_GATE, JUDGE_MODEL, WORSE_PROMPT } from './manifests.js';
import { type DemoResult, follower, playActs } from './story.js';

export const REAL_DEMO_NAMESPACE = 'agent-army-demo';
const REPLICAS = 10;

export interface MeasuredShare {
  version: string;
  weight: number;
  /** Share of the requests answered by the canary while the release held the weight, 0–100. */
  measured: number;
  requests: number;
}

/**
 * 10% → hold 10 s → analysis → 50% → hold 10 s → analysis → 100%, judged on the canary's error rate and
 * on its answers' mean judge score against stable's.
 */
function release(ns: string, prometheusURL: string) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name: 'orchestrator', namespace: ns },
    spec: {
      targetRef: { army: 'support', agent: 'orchestrator' },
      steps: [
        { setWeight: 10 },
        { pause: { duration: '10s' } },
        { analysis: {} },
        { setWeight: 50 },
        { pause: { duration: '10s' } },
        { analysis: {} },
        { setWeight: 100 },
      ],
      analysis: {
        provider: { prometheus: { address: prometheusURL, timeout: '5s' } },
        interval: '3s',
        count: 3,
        window: '20s',
        inconclusiveLimit: 8,
        minSampleSize: 10,
        maxErrorRate: 0.05,
        judge: JUDGE_GATE,
      },
      progressDeadlineSeconds: 180,
    },
  };
}

const canaryAgent = (version: string) => ({
  name: 'orchestrator',
  version,
  replicas: REPLICAS,
  strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orchestrator' } } },
});

export async function runRealDemo(
  say: (line: string) => void,
): Promise<DemoResult & { shares: MeasuredShare[] }> {
  const t0 = Date.now();
  const ns = REAL_DEMO_NAMESPACE;
  const get = async <T>(kind: string, name: string) =>
    JSON.parse(await kubectlOk(['get', kind, name, '-n', ns, '-o', 'json'])) as T;
  const apply = (doc: unknown) =>
    kubectlOk(['apply', '-n', ns, '-f', '-'], { input: typeof doc === 'string' ? doc : stringify(doc) });
  await deleteNamespaces([ns, `${ns}-op`], { wait: true });
  say(
    'installing the operator with Helm from its image, the fake upstream and a load generator as pods, and',
  );
  say('a Prometheus that finds the agent pods by Kubernetes service discovery');
  const w: RealWorld = await startRealWorld('demo', {
    namespace: ns,
    prometheus: true,
    upstream: {
      models: {
        'gpt-4o-mini': { latencyMs: { min: 5, max: 25 } },
        'flaky-model': { latencyMs: { min: 5, max: 25 }, errorRate: 0.3, errorStatus: 500, retryable: false },
        judge: JUDGE_MODEL,
      },
    },
  });
  const shares: MeasuredShare[] = [];
  try {
    say(`operator pod Ready in namespace ${ns}-op (leader election on); Prometheus ${w.prometheus?.url}`);
    const judged = { judge: DEMO_JUDGE };
    await apply(realVersion(ns, 'orchestrator-v1-0-0', '1.0.0', 'gpt-4o-mini', judged));
    await apply(realVersion(ns, 'orchestrator-v1-1-0', '1.1.0', 'flaky-model', judged));
    await apply(realVersion(ns, 'orchestrator-v1-2-0', '1.2.0', 'gpt-4o-mini', judged));
    await apply(
      realVersion(ns, 'orchestrator-v1-3-0', '1.3.0', 'gpt-4o-mini', {
        ...judged,
        systemPrompt: WORSE_PROMPT,
      }),
    );
    await apply(release(ns, w.prometheus?.url ?? ''));

    let held: { version: string; weight: number; from: number } | undefined;
    // On every poll: once a pause step has held its weight, the share of requests the canary answered then.
    const measureShares = async (version: string, s: Partial<CanaryReleaseStatus>) => {
      if (held && held.version !== version) held = undefined; // a pause the previous act left behind
      const pausing = s.currentStepIndex === 1 || s.currentStepIndex === 4;
      if (pausing && s.phase === 'Progressing' && !held && s.stepStartedAt) {
        held = { version, weight: s.canaryWeight ?? 0, from: Date.parse(s.stepStartedAt) + 1000 };
      } else if (!pausing && held) {
        const stats: LoadStats = await w.load.stats();
        const { byTrack, total } = sharesBetween(stats, held.from, held.from + 8000);
        const measured = (100 * (byTrack[`${version}/canary`] ?? 0)) / Math.max(1, total);
        shares.push({ version, weight: held.weight, measured, requests: total });
        say(
          `  traffic at weight ${held.weight}%: the canary answered ${measured.toFixed(1)}% of ${total} requests`,
        );
        held = undefined;
      }
    };
    const follow = follower({ get, say, steps: 7, onPoll: measureShares });

    say(`1. army "support": orchestrator 1.0.0 on ${REPLICAS} pods`);
    await apply(realArmy(ns, [canaryAgent('orchestrator-v1-0-0')]));
    await follow('1.0.0', (_r, a) => a.status?.phase === 'Ready', 300_000);
    await w.load.startAnswered(serviceUrl(ns, 'support-orchestrator'), 30, { keepAlive: false });
    say('   Ready; a load pod sends 30 requests/s through the Service support-orchestrator');
    await new Promise((r) => setTimeout(r, 5000));

    const acts = await playActs({
      say,
      k: kubectlOk,
      ns,
      follow,
      applyArmy: (version) => apply(realArmy(ns, [canaryAgent(version)])),
      timeoutsMs: { rollback: 240_000, promotion: 300_000, judged: 240_000 },
    });
    const final = await w.load.stop();
    return {
      ...acts,
      requests: { sent: final.sent, failed: final.failed },
      seconds: Math.round((Date.now() - t0) / 1000),
      shares,
    };
  } finally {
    await w.close();
  }
}

// Manifests of the demo: four versions of the orchestrator and its CanaryRelease, shared by the process
// demo (run-demo.ts) and the real-node demo (run-demo-real.ts).
import type { CanaryRelease, Measurement } from '../../operator/src/api/v1alpha1/index.js';

/** Every version is judged off the request path: half its answers are scored 0..1 by the `judge` model. */
export const DEMO_JUDGE = {
  model: 'judge',
  rubric: 'Answers the support question asked, with the facts the customer needs.',
  sampleRate: 0.5,
  maxPerMinute: 6000,
};

/** 1.3.0 changes only its prompt; the fake upstream's judge scores answers to this prompt 0.4 (others 0.9). */
export const WORSE_PROMPT = 'You are the orchestrator of a support team. Be brief.';

/** The fake upstream's judge model: same errors and latency for every prompt, worse scores for one. */
export const JUDGE_MODEL = { judge: { promptRules: [{ match: 'Be brief', score: 0.4 }], default: 0.9 } };

/** The judge gate of the demo's release: canary mean score ≥ stable × 0.9 over ≥ 10 judged answers each. */
export const JUDGE_GATE = { minScoreRatio: 0.9, minSamples: 10 };

export function versionDoc(name: string, version: string, model: string, baseURL: string, prompt?: string) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name },
    spec: {
      agent: 'orchestrator',
      version,
      image: `agent-army/agent-runtime:${version}`,
      model: { name: model, baseURL, apiKeySecretRef: { name: 'llm', key: 'api-key' }, timeoutSeconds: 10 },
      systemPrompt: prompt ?? 'You are the orchestrator of a support team. Answer briefly.',
      compatibleWith: '^1.0.0',
      judge: DEMO_JUDGE,
    },
  };
}

/** 10% → analysis → 50% → analysis → 100%, judged on the canary's error rate (fail above 5%) and scores. */
export function releaseDoc(prometheusURL: string) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name: 'orchestrator' },
    spec: {
      targetRef: { army: 'support', agent: 'orchestrator' },
      steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }, { analysis: {} }, { setWeight: 100 }],
      analysis: {
        provider: { prometheus: { address: prometheusURL, timeout: '5s' } },
        interval: '3s',
        count: 3,
        window: '20s',
        // A new canary has no history yet: tolerate a few ticks without enough requests (never a Pass).
        inconclusiveLimit: 8,
        minSampleSize: 10,
        maxErrorRate: 0.05,
        judge: JUDGE_GATE,
      },
      progressDeadlineSeconds: 120,
    },
  };
}

/** Act 4's outcome: the judge gate's failing measurement, the Event and where the army ended up. */
export interface JudgedRollback {
  weights: number[];
  phase?: string;
  canaryScore?: number;
  stableScore?: number;
  judged?: { canary: number; stable: number };
  errorRateFailed: boolean;
  event?: string;
  stable?: string;
}

export function judgedRollback(
  r: CanaryRelease,
  weights: number[],
  event: string | undefined,
  stable: string | undefined,
): JudgedRollback {
  const all: Measurement[] = (r.status?.analysisRuns ?? []).flatMap((x) => x.measurements);
  const fail = all.filter((m) => m.metric === 'judge-score' && m.result === 'Fail').at(-1);
  return {
    weights,
    ...(r.status?.phase ? { phase: r.status.phase } : {}),
    ...(fail?.value !== undefined ? { canaryScore: fail.value } : {}),
    ...(fail?.stableValue !== undefined ? { stableScore: fail.stableValue } : {}),
    ...(fail ? { judged: { canary: fail.sampleSize ?? 0, stable: fail.stableSampleSize ?? 0 } } : {}),
    errorRateFailed: all.some((m) => m.metric === 'error-rate' && m.result === 'Fail'),
    ...(event ? { event } : {}),
    ...(stable ? { stable } : {}),
  };
}

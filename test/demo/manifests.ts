// Manifests of the demo: three versions of the orchestrator and its CanaryRelease.
export function versionDoc(name: string, version: string, model: string, baseURL: string) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name },
    spec: {
      agent: 'orchestrator',
      version,
      image: `agent-army/agent-runtime:${version}`,
      model: { name: model, baseURL, apiKeySecretRef: { name: 'llm', key: 'api-key' }, timeoutSeconds: 10 },
      systemPrompt: 'You are the orchestrator of a support team. Answer briefly.',
      compatibleWith: '^1.0.0',
    },
  };
}

/** 10% → analysis → 50% → analysis → 100%, judged on the canary's error rate (fail above 5%). */
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
      },
      progressDeadlineSeconds: 120,
    },
  };
}

// Manifests for the AgentArmy integration tests.
import { stringify } from 'yaml';

export function secret(ns: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'llm', namespace: ns },
    stringData: { 'api-key': 'sk-test-not-a-real-key' },
  });
}

export function agentVersion(
  ns: string,
  name: string,
  version: string,
  extra: Record<string, unknown> = {},
): string {
  return stringify({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name, namespace: ns },
    spec: {
      agent: 'orchestrator',
      version,
      image: `example.invalid/agent-runtime:${version}`,
      model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      systemPrompt: `You are orchestrator ${version}.`,
      ...extra,
    },
  });
}

export function army(ns: string, agents: Record<string, unknown>[]): string {
  return stringify({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name: 'support', namespace: ns },
    spec: { agents },
  });
}

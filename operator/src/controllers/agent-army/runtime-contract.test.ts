// The contract between the operator and agent-runtime: what the operator renders into the ConfigMap and
// the Deployment env is exactly what the runtime accepts at start.
import { describe, expect, it } from 'vitest';
import { parseAgentFile } from '../../../../agent-runtime/src/agent-config-file.js';
import { ENV, parseEnv } from '../../../../agent-runtime/src/config.js';
import { Agent } from '../../api/v1alpha1/index.js';
import { version } from './fixtures.test-util.js';
import { renderAgentFile } from './render-config.js';
import { renderEnv } from './render-deployment.js';

const av = version('orch-v1', '1.0.0', {
  model: {
    name: 'gpt-4o-mini',
    baseURL: 'http://127.0.0.1:9000/v1',
    apiKeySecretRef: { name: 'llm', key: 'api-key' },
    temperature: 0.2,
    maxTokens: 256,
  },
  tools: [
    { name: 'search', description: 'Web search', url: 'http://search.tools:8080/run', timeoutSeconds: 5 },
  ],
});

describe('operator → agent-runtime contract', () => {
  it('renders an agent file the runtime parses, with prompt, tools and params intact', () => {
    const file = parseAgentFile(renderAgentFile(av, 'You are helpful.'), 'rendered');
    expect(file.prompt).toBe('You are helpful.');
    expect(file.tools).toEqual([
      {
        name: 'search',
        description: 'Web search',
        protocol: 'http',
        url: 'http://search.tools:8080/run',
        timeoutSeconds: 5,
      },
    ]);
    expect(file.params).toEqual({ temperature: 0.2, maxTokens: 256 });
  });

  it('renders only env names the runtime knows for its own settings, and they validate', () => {
    const env = renderEnv({
      ref: { army: 'support', agent: 'orchestrator' },
      track: 'canary',
      av,
      agent: Agent.parse({ name: 'orchestrator', version: 'orch-v1' }),
      defaults: undefined,
    });
    const known = new Set<string>(Object.values(ENV));
    const literal: Record<string, string> = {};
    for (const e of env) {
      expect(known.has(e.name), `${e.name} is a runtime variable`).toBe(true);
      if (e.value !== undefined) literal[e.name] = e.value;
    }
    // Values from secretKeyRef / fieldRef are filled in by the kubelet; supply them as it would.
    const parsed = parseEnv({ ...literal, OPENAI_API_KEY: 'sk-test', POD_NAMESPACE: 'team' });
    expect(parsed.AGENT_TRACK).toBe('canary');
    expect(parsed.MODEL_BASE_URL).toBe('http://127.0.0.1:9000/v1');
  });
});

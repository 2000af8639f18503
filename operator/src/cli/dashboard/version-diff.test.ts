import { describe, expect, it } from 'vitest';
import { type AgentVersion, parseAgentVersion } from '../../api/v1alpha1/index.js';
import { lineDiff, versionDiff } from './version-diff.js';

function av(name: string, spec: Record<string, unknown>): AgentVersion {
  return parseAgentVersion({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name, namespace: 'ns' },
    spec: {
      agent: 'orch',
      version: '1.0.0',
      image: 'runtime:1',
      model: { name: 'gpt-a', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      systemPrompt: 'You are helpful.\nBe brief.',
      ...spec,
    },
  });
}

describe('versionDiff', () => {
  it('marks the model, prompt, tool and parameter fields that changed, side by side', () => {
    const stable = av('orch-v1', {
      tools: [{ name: 'search', url: 'http://search:8080' }],
      env: [{ name: 'MODE', value: 'a' }],
    });
    const canary = av('orch-v11', {
      version: '1.1.0',
      model: { name: 'gpt-b', temperature: 0.2, apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      systemPrompt: 'You are helpful.\nBe very brief.\nCite sources.',
      tools: [
        { name: 'search', url: 'http://search:8080', timeoutSeconds: 10 },
        { name: 'calc', url: 'http://calc', protocol: 'mcp' },
      ],
      env: [{ name: 'MODE', value: 'a' }],
    });
    const d = versionDiff(stable, canary);
    const changed = d.rows.filter((r) => r.changed).map((r) => [r.field, r.stable, r.canary]);
    expect(changed).toEqual([
      ['version', '1.0.0', '1.1.0'],
      ['model.name', 'gpt-a', 'gpt-b'],
      ['model.temperature', '', '0.2'],
      ['systemPrompt', 'You are helpful.\nBe brief.', 'You are helpful.\nBe very brief.\nCite sources.'],
      ['tools.search', 'http http://search:8080 (timeout 30s)', 'http http://search:8080 (timeout 10s)'],
      ['tools.calc', '', 'mcp http://calc (timeout 30s)'],
    ]);
    expect(d.changed).toBe(6);
    expect(d.rows.find((r) => r.field === 'env.MODE')?.changed).toBe(false);
  });

  it('names a promptRef by its ConfigMap key and has no line diff without inline prompts', () => {
    const ref = { systemPrompt: undefined, promptRef: { name: 'prompts', key: 'v2' } };
    const d = versionDiff(av('a', ref), av('b', { ...ref, promptRef: { name: 'prompts', key: 'v3' } }));
    expect(d.rows.find((r) => r.field === 'prompt source')).toMatchObject({
      stable: 'ConfigMap prompts[v2]',
      canary: 'ConfigMap prompts[v3]',
      changed: true,
    });
    expect(d.prompt).toBeUndefined();
  });
});

describe('lineDiff', () => {
  it('aligns common lines and pairs a changed line with its replacement', () => {
    expect(
      lineDiff('a\nb\nc', 'a\nB\nc\nd').map(
        (p) => `${p.left.kind}:${p.left.text}|${p.right.kind}:${p.right.text}`,
      ),
    ).toEqual(['same:a|same:a', 'removed:b|added:B', 'same:c|same:c', 'blank:|added:d']);
  });
});

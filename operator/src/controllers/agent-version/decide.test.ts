import { describe, expect, it } from 'vitest';
import { renderAgentFile } from '../../rollout/render/render-config.js';
import { army, version } from '../agent-army/fixtures.test-util.js';
import {
  decideVersionStatus,
  desiredConfigMap,
  desiredFinalizers,
  MAX_USED_BY,
  missingReferences,
  usageChanged,
  usedBy,
  versionsNamedBy,
} from './decide.js';

const now = new Date('2026-11-23T10:00:00Z');
const inline = version('orch-v1', '1.0.0');
const fromConfigMap = version('orch-v2', '2.0.0', {
  systemPrompt: undefined,
  promptRef: { name: 'prompts', key: 'orch' },
});

describe('AgentVersion references', () => {
  it.each([
    ['all present', inline, ['api-key'], undefined, []],
    ['Secret missing', inline, undefined, undefined, ['spec.model.apiKeySecretRef: Secret llm not found']],
    [
      'Secret key missing',
      inline,
      ['other'],
      undefined,
      ['spec.model.apiKeySecretRef: Secret llm has no key "api-key"'],
    ],
    [
      'prompt ConfigMap missing',
      fromConfigMap,
      ['api-key'],
      undefined,
      ['spec.promptRef: ConfigMap prompts not found'],
    ],
    [
      'prompt key missing',
      fromConfigMap,
      ['api-key'],
      ['x'],
      ['spec.promptRef: ConfigMap prompts has no key "orch"'],
    ],
    ['prompt present', fromConfigMap, ['api-key'], ['orch'], []],
  ])('%s', (_name, av, secretKeys, promptKeys, expected) => {
    expect(missingReferences({ version: av, secretKeys, promptKeys, armies: [] })).toEqual(expected);
  });

  it('is Ready=False naming the missing field, then True once the Secret exists', () => {
    const missing = decideVersionStatus(
      { version: inline, secretKeys: undefined, promptKeys: undefined, armies: [] },
      now,
    );
    expect(missing.conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'ReferenceNotFound',
    });
    expect(missing.conditions?.[0]?.message).toContain('spec.model.apiKeySecretRef');
    const found = decideVersionStatus(
      { version: { ...inline, status: missing }, secretKeys: ['api-key'], promptKeys: undefined, armies: [] },
      new Date('2026-11-23T10:05:00Z'),
    );
    expect(found.conditions?.[0]).toMatchObject({
      status: 'True',
      lastTransitionTime: '2026-11-23T10:05:00Z',
    });
  });
});

describe('decideVersionStatus on its own output', () => {
  const users = [army([{ name: 'orchestrator', version: 'orch-v1' }])];
  it.each([
    ['a Ready version in use', ['api-key'], users],
    ['a version whose Secret is missing', undefined, users],
    ['an unused version', ['api-key'], []],
  ])(
    'gives the same status again for %s (so the echo of the write needs no reconcile)',
    (_name, secretKeys, armies) => {
      const observed = { version: inline, secretKeys, promptKeys: undefined, armies };
      const status = decideVersionStatus(observed, now);
      const later = new Date(now.getTime() + 60_000);
      expect(decideVersionStatus({ ...observed, version: { ...inline, status } }, later)).toEqual(status);
    },
  );
});

describe('usedBy', () => {
  it('keeps at most MAX_USED_BY entries, so the status stays within its schema bound', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({
      metadata: { name: `army-${String(i).padStart(3, '0')}` },
      spec: { agents: [{ name: 'orchestrator', version: 'v' }] },
    }));
    const list = usedBy('v', many);
    expect(list).toHaveLength(MAX_USED_BY);
    expect(list[0]).toEqual({ army: 'army-000', agent: 'orchestrator' });
  });

  it('lists army agents that desire the version or still run it as stable, sorted', () => {
    const a = army([{ name: 'orchestrator', version: 'orch-v2' }], {
      agents: [{ name: 'orchestrator', phase: 'Progressing', stableVersion: 'orch-v1', readyReplicas: 1 }],
    });
    const b = {
      ...army([{ name: 'orchestrator', version: 'orch-v1' }]),
      metadata: { name: 'alpha', namespace: 'team' },
    };
    expect(usedBy('orch-v1', [a, b])).toEqual([
      { army: 'alpha', agent: 'orchestrator' },
      { army: 'support', agent: 'orchestrator' },
    ]);
    expect(usedBy('orch-v2', [a, b])).toEqual([{ army: 'support', agent: 'orchestrator' }]);
    expect(usedBy('unused', [a, b])).toEqual([]);
  });

  it('sorts by army name, then agent name', () => {
    const named = (name: string, agents: string[]) => ({
      metadata: { name },
      spec: { agents: agents.map((agent) => ({ name: agent, version: 'v' })) },
    });
    const list = usedBy('v', [named('web-2', ['a']), named('web', ['tools', 'rag']), named('api', ['x'])]);
    expect(list).toEqual([
      { army: 'api', agent: 'x' },
      { army: 'web', agent: 'rag' },
      { army: 'web', agent: 'tools' },
      { army: 'web-2', agent: 'a' },
    ]);
  });
});

describe('which army updates reach the AgentVersion controller', () => {
  const a = (agents: [string, string][], stable: [string, string][] = [], phase = 'Progressing') => ({
    metadata: { name: 'army' },
    spec: { agents: agents.map(([name, version]) => ({ name, version })) },
    status: { phase, agents: stable.map(([name, stableVersion]) => ({ name, stableVersion })) },
  });

  it('names the desired and the still-running versions of an army, once each', () => {
    expect(
      versionsNamedBy(
        a(
          [
            ['p', 'p-v2'],
            ['w', 'w-v1'],
          ],
          [
            ['p', 'p-v1'],
            ['w', 'w-v1'],
          ],
        ),
      ).sort(),
    ).toEqual(['p-v1', 'p-v2', 'w-v1']);
  });

  it.each([
    [
      'a phase or message change',
      a([['p', 'v1']], [['p', 'v1']]),
      a([['p', 'v1']], [['p', 'v1']], 'Ready'),
      false,
    ],
    ['a new desired version', a([['p', 'v1']], [['p', 'v1']]), a([['p', 'v2']], [['p', 'v1']]), true],
    [
      'a rollout that completed (stable version moved)',
      a([['p', 'v2']], [['p', 'v1']]),
      a([['p', 'v2']], [['p', 'v2']]),
      true,
    ],
    [
      'an agent added',
      a([['p', 'v1']]),
      a([
        ['p', 'v1'],
        ['w', 'v1'],
      ]),
      true,
    ],
  ])('%s → %s', (_what, before, after, expected) => {
    expect(usageChanged(before, after)).toBe(expected);
  });
});

describe('desiredConfigMap: the config ConfigMap an AgentVersion keeps for the armies running it', () => {
  const obs = (version: typeof inline, promptKeys?: string[], promptText?: string) => ({
    version,
    secretKeys: ['api-key'],
    promptKeys,
    promptText,
    armies: [],
  });
  it.each([
    ['an inline systemPrompt', obs(inline), 'orch-v1-agent-config', 'You are helpful.'],
    [
      'the text under promptRef',
      obs(fromConfigMap, ['orch'], 'From the ConfigMap.'),
      'orch-v2-agent-config',
      'From the ConfigMap.',
    ],
  ])('holds the agent file with %s', (_case, o, name, prompt) => {
    const cm = desiredConfigMap(o);
    expect(cm?.metadata?.name).toBe(name);
    expect(cm?.data?.['agent.yaml']).toBe(renderAgentFile(o.version, prompt));
  });

  it.each([
    ['the prompt ConfigMap is missing', obs(fromConfigMap)],
    ['its key is missing', obs(fromConfigMap, ['other'])],
  ])('is not rendered (the last one written stays) when %s', (_case, o) => {
    expect(desiredConfigMap(o)).toBeUndefined();
  });

  it('does not depend on the API key Secret (a missing Secret is a Ready condition, not a config)', () => {
    expect(desiredConfigMap({ ...obs(inline), secretKeys: undefined })?.data).toEqual(
      desiredConfigMap(obs(inline))?.data,
    );
  });

  it('changes its hash annotation when the referenced prompt text changes', () => {
    const hash = (text: string) =>
      desiredConfigMap(obs(fromConfigMap, ['orch'], text))?.metadata?.annotations?.[
        'agentarmy.dev/config-hash'
      ];
    expect(hash('one')).not.toBe(hash('two'));
    expect(hash('one')).toBe(hash('one'));
  });
});

describe('in-use protection', () => {
  const deleting = { ...inline, metadata: { ...inline.metadata, deletionTimestamp: '2026-11-23T09:00:00Z' } };
  it('says a deleted version waits while an army uses it, naming the army', () => {
    const users = [army([{ name: 'orchestrator', version: inline.metadata.name }])];
    const s = decideVersionStatus(
      { version: deleting, secretKeys: ['api-key'], promptKeys: undefined, armies: users },
      now,
    );
    expect(s.conditions?.find((c) => c.type === 'Deleting')).toMatchObject({
      status: 'True',
      reason: 'InUse',
      message: expect.stringContaining('support/orchestrator'),
    });
  });

  it('says nothing of deletion for a live version', () => {
    const s = decideVersionStatus(
      { version: inline, secretKeys: ['api-key'], promptKeys: undefined, armies: [] },
      now,
    );
    expect(s.conditions?.find((c) => c.type === 'Deleting')).toBeUndefined();
  });

  const user = [{ army: 'support', agent: 'orchestrator' }];
  it.each([
    ['a live version without the finalizer gets it', {}, [], ['agentarmy.dev/in-use']],
    ['a live version with it: nothing to write', { finalizers: ['agentarmy.dev/in-use'] }, [], undefined],
    [
      'a deleted version still in use keeps it',
      { deletionTimestamp: '2026-12-02T10:00:00Z', finalizers: ['agentarmy.dev/in-use'] },
      user,
      undefined,
    ],
    [
      'a deleted version no army uses lets it go',
      { deletionTimestamp: '2026-12-02T10:00:00Z', finalizers: ['agentarmy.dev/in-use', 'other'] },
      [],
      [],
    ],
  ])('%s', (_what, meta, users, expected) => {
    expect(desiredFinalizers(meta, users)).toEqual(expected);
  });
});

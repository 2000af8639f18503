import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/resource.js';
import {
  armiesNamingRelease,
  armiesUsingVersion,
  configHashChanged,
  versionInputChanged,
} from './controller.js';

const version = (status: unknown, extra: { spec?: unknown; labels?: Record<string, string> } = {}) =>
  ({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: {
      namespace: 'team',
      name: 'orch-v1',
      resourceVersion: '5',
      ...(extra.labels ? { labels: extra.labels } : {}),
    },
    spec: extra.spec ?? { agent: 'orchestrator', version: '1.0.0' },
    status,
  }) as KubeObject;
const ready = (status: 'True' | 'False', message = 'references found') => ({
  type: 'Ready',
  status,
  reason: status === 'True' ? 'ReferencesFound' : 'ReferencesMissing',
  message,
});

describe('versionInputChanged: which AgentVersion updates wake the armies using it', () => {
  const base = { conditions: [ready('True')], usedBy: [{ army: 'a', agent: 'orchestrator' }] };
  it.each([
    [
      'a longer usedBy list does not',
      { ...base, usedBy: [...base.usedBy, { army: 'b', agent: 'orchestrator' }] },
      {},
      false,
    ],
    ['a new observedGeneration does not', { ...base, observedGeneration: 2 }, {}, false],
    [
      'Ready turning False does',
      { ...base, conditions: [ready('False', 'Secret openai not found')] },
      {},
      true,
    ],
    ['a new Ready message does', { ...base, conditions: [ready('True', 'found again')] }, {}, true],
    ['a spec change does', base, { spec: { agent: 'orchestrator', version: '1.0.1' } }, true],
    ['a new label does', base, { labels: { team: 'x' } }, true],
  ])('%s', (_name, status, extra, wakes) => {
    expect(versionInputChanged(version(base), version(status, extra))).toBe(wakes);
  });
});

describe('armiesUsingVersion', () => {
  const army = (name: string, desired: string, stable?: string) =>
    ({
      metadata: { namespace: 'team', name },
      spec: { agents: [{ name: 'orchestrator', version: desired }] },
      ...(stable ? { status: { agents: [{ name: 'orchestrator', stableVersion: stable }] } } : {}),
    }) as KubeObject;

  it('maps a version to the armies that desire it or still run it as stable', () => {
    const armies = [army('a', 'orch-v1'), army('b', 'orch-v2', 'orch-v1'), army('c', 'orch-v2')];
    expect(armiesUsingVersion(armies, version({}))).toEqual([
      { namespace: 'team', name: 'a' },
      { namespace: 'team', name: 'b' },
    ]);
  });
});

describe('configHashChanged: which updates of a version config ConfigMap wake its armies', () => {
  const cm = (hash: string, labels: Record<string, string> = {}) =>
    ({
      metadata: { name: 'orch-v1-agent-config', labels, annotations: { 'agentarmy.dev/config-hash': hash } },
    }) as KubeObject;
  it.each([
    ['a new hash (the referenced prompt changed) does', cm('h1'), cm('h2'), true],
    ['a label the army does not read does not', cm('h1'), cm('h1', { team: 'x' }), false],
    ['the same hash does not', cm('h1'), cm('h1'), false],
  ])('%s', (_name, before, after, wakes) => {
    expect(configHashChanged(before, after)).toBe(wakes);
  });
});

describe('armiesNamingRelease', () => {
  const armyWith = (name: string, refs: (string | undefined)[]) =>
    ({
      metadata: { name },
      spec: {
        agents: refs.map((r, i) => ({
          name: `g${i}`,
          ...(r ? { strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: r } } } } : {}),
        })),
      },
    }) as unknown as KubeObject;
  it('finds the armies whose canary agents name the release, whatever the release targets', () => {
    const armies = [
      armyWith('a', ['rel']),
      armyWith('b', [undefined, 'other']),
      armyWith('c', [undefined, 'rel']),
    ];
    expect(armiesNamingRelease(armies, 'rel')).toEqual(['a', 'c']);
    expect(armiesNamingRelease(armies, 'none')).toEqual([]);
  });
});

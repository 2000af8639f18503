import { describe, expect, it } from 'vitest';
import { CanaryRelease } from '../api/v1alpha1/index.js';
import { groupMemberNames } from './group.js';
import { renderCanaryStatus } from './render.js';

const crel = (name: string, agent: string, group?: string, army = 'support', status?: unknown) =>
  CanaryRelease.parse({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name, namespace: 'team' },
    spec: {
      targetRef: { army, agent },
      steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 100 }],
      ...(group ? { lockstep: { group } } : {}),
    },
    ...(status ? { status } : {}),
  });

describe('--group: the members of a release’s lockstep group', () => {
  const all = [
    crel('retr', 'retriever', 'g'),
    crel('orch', 'orchestrator', 'g'),
    crel('other', 'x', 'h'),
    crel('elsewhere', 'orchestrator', 'g', 'billing'),
    crel('solo', 'y'),
  ];
  it('lists every release of the same army and group, itself included, sorted', () => {
    expect(groupMemberNames(all[1] as CanaryRelease, all)).toEqual(['orch', 'retr']);
  });
  it('a release without spec.lockstep is its own only member', () => {
    expect(groupMemberNames(all[4] as CanaryRelease, all)).toEqual(['solo']);
  });
  it('status shows the group, its step and whom the member waits for', () => {
    const waiting = crel('orch', 'orchestrator', 'g', 'support', {
      phase: 'Progressing',
      currentStepIndex: 1,
      group: { name: 'g', members: ['orch', 'retr'], step: 1, completedStep: 1, waitingFor: ['retr'] },
    });
    expect(renderCanaryStatus(waiting)).toContain(
      'lockstep group g (orch, retr): step 2/3; waiting for retr',
    );
  });
});

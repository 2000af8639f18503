import { describe, expect, it } from 'vitest';
import { CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
import { at, deployment, iso, midRelease, observed, release } from '../fixtures.test-util.js';
import { decideCanary } from './decide.js';
import { failedMember, groupProblem, memberPosition, waitingFor } from './lockstep.js';
import type { CanaryObserved, GroupMember } from './types.js';

type Status = Partial<CanaryReleaseStatus>;
const LOCKSTEP = { lockstep: { group: 'g' } };

/** Another member of group g on agent `agent`, release `name`, with this status and army versions. */
function member(name: string, status?: Status, over: Partial<GroupMember> = {}): GroupMember {
  return {
    name,
    agent: name,
    steps: 5,
    status: status ? CanaryReleaseStatus.parse(status) : undefined,
    desiredVersion: 'v2',
    stableVersion: 'v1',
    ...over,
  };
}

/** decideCanary for release `orch` of group g, its canary at `canaryPods` Ready pods of v2. */
function decideIn(
  status: Status | undefined,
  members: GroupMember[],
  sec = 0,
  over: Partial<CanaryObserved> = {},
) {
  const obs = observed(release(LOCKSTEP, status), {
    canary: { deployment: deployment('v2', 1), crashLooping: false },
    group: { name: 'g', members },
    ...over,
  });
  const plan = decideCanary(obs, at(sec));
  CanaryReleaseStatus.parse(plan.status);
  return plan;
}
const reasons = (p: { events: { reason: string }[] }) => p.events.map((e) => e.reason);

describe('lockstep: where a member stands', () => {
  it.each<[string, GroupMember, ReturnType<typeof memberPosition>]>([
    ['at step 2, not completed', member('a', midRelease(2)), { inRelease: true, step: 2, completed: false }],
    [
      'at step 2, completed',
      member('a', midRelease(2, { group: { name: 'g', members: [], completedStep: 2 } })),
      { inRelease: true, step: 2, completed: true },
    ],
    [
      'completedStep of an earlier step does not count',
      member('a', midRelease(2, { group: { name: 'g', members: [], completedStep: 1 } })),
      { inRelease: true, step: 2, completed: false },
    ],
    ['Idle, the army asks for a new version: about to start', member('a', undefined), STARTING()],
    ['Idle, the army asks for its stable version', member('a', undefined, { desiredVersion: 'v1' }), OUT()],
    [
      'rolled back the version the army asks for',
      member('a', { phase: 'RolledBack', fromVersion: 'v1', toVersion: 'v2', rolledBackVersion: 'v2' }),
      OUT(),
    ],
    [
      'Promoted the asked version',
      member('a', { phase: 'Promoted', fromVersion: 'v1', toVersion: 'v2' }),
      OUT(),
    ],
    [
      'mid-release, the army asks a third version: restarts',
      member('a', midRelease(3), { desiredVersion: 'v3' }),
      STARTING(),
    ],
    [
      'mid-release, the army asks the old version: cancels',
      member('a', midRelease(3), { desiredVersion: 'v1' }),
      OUT(),
    ],
  ])('%s', (_what, m, want) => {
    expect(memberPosition(m)).toEqual(want);
  });

  it('holds the group at step i only with members behind i or at i and not completed', () => {
    const done = (i: number) => ({ group: { name: 'g', members: [], completedStep: i } });
    const members = [
      member('behind', midRelease(1)),
      member('at-open', midRelease(2)),
      member('at-done', midRelease(2, done(2))),
      member('ahead', midRelease(3)),
      member('out', { phase: 'Promoted', fromVersion: 'v1', toVersion: 'v2' }),
    ];
    expect(waitingFor(members, 2)).toEqual(['at-open', 'behind']);
    expect(waitingFor(members, 0)).toEqual([]);
  });
});

function STARTING() {
  return { inRelease: true, step: 0, completed: false } as const;
}
function OUT() {
  return { inRelease: false } as const;
}

describe('lockstep: the barrier', () => {
  it('a member that completed a step waits while another member has not: StepCompleted once, no new step', () => {
    const p = decideIn(midRelease(0), [member('retriever', midRelease(0))]);
    expect(p.status.currentStepIndex).toBe(0);
    expect(p.status.group).toMatchObject({
      name: 'g',
      members: ['orch', 'retriever'],
      step: 0,
      completedStep: 0,
    });
    expect(p.status.group?.waitingFor).toEqual(['retriever']);
    expect(p.status.message).toMatch(/lockstep group g waits for retriever/);
    expect(reasons(p)).toEqual(['StepCompleted']);
    // Deciding again on its own status (a restart) records nothing and stays.
    const again = decideIn(p.status, [member('retriever', midRelease(0))]);
    expect(again.events).toEqual([]);
    expect(again.status.currentStepIndex).toBe(0);
  });

  it('leaves the step once every other member completed it or is past it', () => {
    const first = decideIn(midRelease(0), [member('retriever', midRelease(0))]).status;
    const done = midRelease(0, { group: { name: 'g', members: [], completedStep: 0 } });
    const p = decideIn(first, [member('retriever', done), member('tools', midRelease(1))]);
    expect(p.status.currentStepIndex).toBe(1);
    expect(p.status.group?.completedStep).toBeUndefined();
    expect(p.status.group?.waitingFor).toBeUndefined();
    expect(p.events).toEqual([]); // the StepCompleted Event came with the completion
  });

  it('does not run ahead of a member that is about to start (its release not written yet)', () => {
    const p = decideIn(midRelease(0), [member('retriever', undefined)]);
    expect(p.status.currentStepIndex).toBe(0);
    expect(p.status.group?.waitingFor).toEqual(['retriever']);
  });

  it('ignores members out of the release (nothing to release for their agent)', () => {
    const p = decideIn(midRelease(0), [member('retriever', undefined, { desiredVersion: 'v1' })]);
    expect(p.status.currentStepIndex).toBe(1);
    expect(p.status.group?.members).toEqual(['orch', 'retriever']);
  });

  it('promote completes the step here only; the group leaves it when every member has completed it', () => {
    const paused = midRelease(3, { phase: 'Paused', pauseReason: 'Step', canaryWeight: 50 });
    const spec = {
      steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }],
    };
    const control = { control: { id: 'p1', action: 'promote' as const } };
    const obs = (status: Status, members: GroupMember[]) =>
      observed(release({ ...LOCKSTEP, ...spec }, status), {
        canary: { deployment: deployment('v2', 5), crashLooping: false },
        group: { name: 'g', members },
      });
    const p = decideCanary(obs({ ...paused, ...control }, [member('retriever', paused)]), at(1));
    expect(p.status.lastControl?.outcome).toBe('Applied');
    expect(p.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 3 });
    expect(p.status.group?.waitingFor).toEqual(['retriever']);
    const full = decideCanary(
      obs({ ...paused, control: { id: 'f1', action: 'promoteFull' } }, [member('retriever', paused)]),
      at(1),
    );
    expect(full.status.lastControl?.outcome).toBe('Rejected');
    expect(full.status.currentStepIndex).toBe(3);
  });
});

describe('lockstep: a member that rolls back rolls the group back', () => {
  const failed = (finishedSec: number, message = 'AnalysisFailed: error-rate=0.3 (threshold <= 0.05)') =>
    member('retriever', {
      phase: 'RolledBack',
      fromVersion: 'v1',
      toVersion: 'v2',
      rolledBackVersion: 'v2',
      startedAt: iso(0),
      finishedAt: iso(finishedSec),
      message,
    });

  it('rolls back with an Event naming the member and its cause', () => {
    const p = decideIn(midRelease(2, { startedAt: iso(5) }), [failed(20)], 21);
    expect(p.status.phase).toBe('RolledBack');
    expect(p.status.canaryWeight).toBe(0);
    expect(p.traffic.replicas.canary).toBe(0);
    const e = p.events.find((x) => x.reason === 'RolledBack');
    expect(e?.type).toBe('Warning');
    expect(e?.message).toMatch(
      /GroupRolledBack.*member retriever \(agent retriever\) rolled back: AnalysisFailed: error-rate=0\.3/,
    );
  });

  it('an abort of one member is a rollback like any other: the group follows', () => {
    const aborted = failed(20, 'Aborted: aborted by control request at step 2/5; rolled back to v1');
    expect(decideIn(midRelease(2, { startedAt: iso(5) }), [aborted], 21).status.message).toMatch(
      /^GroupRolledBack: .*Aborted/,
    );
  });

  it('ignores a rollback from before this release started', () => {
    const p = decideIn(midRelease(0, { startedAt: iso(30) }), [failed(20)], 31);
    expect(p.status.phase).toBe('Progressing');
  });

  it('names the member that failed on its own before members the group rolled back', () => {
    const origin = failed(20);
    const follower = { ...failed(19, 'GroupRolledBack: lockstep group g: member x …'), name: 'a-follower' };
    expect(failedMember([follower, origin], iso(0))?.name).toBe('retriever');
  });
});

describe('lockstep: validation', () => {
  const self = { name: 'orch', agent: 'orchestrator', steps: 5 };
  it.each([
    [
      'two members on one agent',
      [{ name: 'other', agent: 'orchestrator', steps: 5 }],
      /^spec\.targetRef\.agent: .*orch and other .*agent orchestrator/,
    ],
    [
      'different step counts',
      [{ name: 'r', agent: 'retriever', steps: 3 }],
      /^spec\.steps: .*\(orch: 5, r: 3\)/,
    ],
  ])('%s is a problem naming the field', (_what, members, want) => {
    expect(groupProblem('g', self, members)).toMatch(want);
  });
  it('accepts members on different agents with equal step counts', () => {
    expect(groupProblem('g', self, [{ name: 'r', agent: 'retriever', steps: 5 }])).toBeUndefined();
  });
});

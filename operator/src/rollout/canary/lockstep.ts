// Lockstep groups (spec.lockstep): the releases of one army with the same group move step by step
// together. A member that completes step i records it (status.group.completedStep) and leaves the step
// only once every other member in a release has completed it too (the barrier), so no member is ever more
// than one step transition ahead. A member that rolls back (any failure, or an abort) rolls every other
// member back. All of it is read from the members' statuses, so a restarted operator decides the same.
import { SAFETY_REQUEUE_MS } from '../plan.js';
import { describeStep, enterStep, isActive, rollback, stepCompleted, type Work } from './transitions.js';
import type { GroupMember } from './types.js';

/** Where a member stands: out of the group's release, or at a step, completed or not. */
export type MemberPosition = { inRelease: false } | { inRelease: true; step: number; completed: boolean };

const OUT: MemberPosition = { inRelease: false };
const STARTING: MemberPosition = { inRelease: true, step: 0, completed: false };

/**
 * Whether a member that runs no release starts one on its next pass (decide's reconcileVersion): the
 * army asks for a version that is neither its stable one nor the one it rolled back. Until then it
 * counts as at step 0, so a member whose reconcile comes first does not run ahead alone.
 */
function aboutToStart(m: GroupMember): boolean {
  const s = m.status;
  const desired = m.desiredVersion;
  if (desired === undefined) return false;
  let stable = m.stableVersion;
  if (s?.phase === 'Promoted' && s.toVersion !== undefined) stable = s.toVersion;
  if (s?.phase === 'RolledBack' && s.fromVersion !== undefined) stable = s.fromVersion;
  return stable !== undefined && desired !== stable && desired !== s?.rolledBackVersion;
}

export function memberPosition(m: GroupMember): MemberPosition {
  const s = m.status;
  if (s && isActive(s)) {
    const desired = m.desiredVersion;
    // A new version restarts it at step 0; its old version asked again cancels it.
    if (desired !== undefined && desired !== s.toVersion) return desired === s.fromVersion ? OUT : STARTING;
    const step = s.currentStepIndex ?? 0;
    return { inRelease: true, step, completed: s.group?.completedStep === step };
  }
  return aboutToStart(m) ? STARTING : OUT;
}

/** The members that hold the group at step i: in a release and not yet past it, sorted by name. */
export function waitingFor(members: readonly GroupMember[], i: number): string[] {
  return members
    .filter((m) => {
      const p = memberPosition(m);
      return p.inRelease && (p.step < i || (p.step === i && !p.completed));
    })
    .map((m) => m.name)
    .sort();
}

/**
 * The member whose rollback rolls this release back: RolledBack at or after this release started. The
 * member that failed on its own comes before those the group rolled back, then the earliest.
 */
export function failedMember(members: readonly GroupMember[], startedAt: string): GroupMember | undefined {
  const since = Date.parse(startedAt);
  const byGroup = (m: GroupMember) => (m.status?.message?.startsWith('GroupRolledBack') ? 1 : 0);
  const finished = (m: GroupMember) => Date.parse(m.status?.finishedAt ?? '');
  return members
    .filter((m) => m.status?.phase === 'RolledBack' && finished(m) >= since)
    .sort((a, b) => byGroup(a) - byGroup(b) || finished(a) - finished(b) || a.name.localeCompare(b.name))[0];
}

/** Any member rolled back during this release: this one rolls back too, naming it and its cause. */
export function rollBackWithGroup(w: Work): void {
  const g = w.obs.group;
  const s = w.status;
  if (!g || !isActive(s) || s.startedAt === undefined) return;
  const m = failedMember(g.members, s.startedAt);
  if (!m) return;
  const why = (m.status?.message ?? 'no message').slice(0, 600);
  rollback(
    w,
    'GroupRolledBack',
    `lockstep group ${g.name}: member ${m.name} (agent ${m.agent}) rolled back: ${why}`,
  );
}

/** Whether this member already completed step i (it waits at the barrier; the step is not run again). */
export function completedHere(w: Work, i: number): boolean {
  return w.obs.group !== undefined && w.status.group?.completedStep === i;
}

/** Records step i completed (once, with its StepCompleted Event) and waits there for the group. */
export function completeInGroup(w: Work, i: number, how = ''): void {
  const s = w.status;
  const name = w.obs.group?.name ?? '';
  if (s.group?.completedStep === i) return;
  stepCompleted(w, i, how);
  s.group = { ...(s.group ?? { name, members: [] }), completedStep: i };
}

/**
 * The barrier: step i is complete here; enter step i+1 when no other member holds the group at step i.
 * Returns whether the release moved on.
 */
export function leaveTogether(w: Work, i: number, how = ''): boolean {
  const g = w.obs.group;
  if (!g) return false;
  completeInGroup(w, i, how);
  const waiting = waitingFor(g.members, i);
  if (waiting.length > 0) {
    const label = `step ${i + 1}/${w.spec.steps.length} (${describeStep(w.spec.steps[i])})`;
    w.status.message = `${label} completed; lockstep group ${g.name} waits for ${waiting.join(', ')}`;
    w.waits.push(SAFETY_REQUEUE_MS);
    return false;
  }
  enterStep(w, i + 1);
  return true;
}

/** status.group: the group's name, members, its step (the lowest in a release) and whom this one waits for. */
export function groupStatus(w: Work): void {
  const g = w.obs.group;
  const s = w.status;
  if (!g) {
    delete s.group;
    return;
  }
  const self = w.obs.release.metadata.name ?? '';
  const active = isActive(s);
  const steps = g.members.flatMap((m) => {
    const p = memberPosition(m);
    return p.inRelease ? [p.step] : [];
  });
  if (active) steps.push(s.currentStepIndex ?? 0);
  const completed = active ? s.group?.completedStep : undefined;
  const waiting = completed !== undefined ? waitingFor(g.members, completed) : [];
  s.group = {
    name: g.name,
    members: [self, ...g.members.map((m) => m.name)].sort(),
    ...(steps.length > 0 ? { step: Math.min(...steps) } : {}),
    ...(completed !== undefined ? { completedStep: completed } : {}),
    ...(waiting.length > 0 ? { waitingFor: waiting } : {}),
  };
}

/**
 * What makes a group unusable, naming the field: two members on one agent, or different step counts.
 * `self` is this release's agent and step count.
 */
export function groupProblem(
  group: string,
  self: { name: string; agent: string; steps: number },
  members: readonly Pick<GroupMember, 'name' | 'agent' | 'steps'>[],
): string | undefined {
  const same = members.find((m) => m.agent === self.agent);
  if (same)
    return `spec.targetRef.agent: CanaryReleases ${self.name} and ${same.name} of lockstep group ${group} both target agent ${self.agent}; each member must drive a different agent`;
  const counts = [self, ...members].sort((a, b) => a.name.localeCompare(b.name));
  if (counts.some((m) => m.steps !== self.steps))
    return `spec.steps: the members of lockstep group ${group} must have the same number of steps (${counts
      .map((m) => `${m.name}: ${m.steps}`)
      .join(', ')})`;
  return undefined;
}

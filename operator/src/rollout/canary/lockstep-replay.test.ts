// Whole lockstep releases of two members replayed through decideCanary, each member deciding in turn on
// the other's latest status (as the informer cache gives it), in a shuffled order, each decision also
// made twice (a restart) — the barrier keeps them within one step, and a failure rolls both back.
import { describe, expect, it } from 'vitest';
import type { CanaryRelease } from '../../api/v1alpha1/index.js';
import { at, release } from '../fixtures.test-util.js';
import { decideCanary } from './decide.js';
import { measure, SimCluster } from './sim.test-util.js';
import { isActive } from './transitions.js';
import type { CanaryPlan, GroupMember } from './types.js';

interface Sim {
  rel: CanaryRelease;
  cluster: SimCluster;
  errorRate: number;
  events: string[];
}

function sim(name: string, errorRate: number, podStartSeconds: number): Sim {
  const rel = release({ lockstep: { group: 'g' }, targetRef: { army: 'support', agent: name } });
  rel.metadata.name = name;
  return { rel, cluster: new SimCluster(podStartSeconds), errorRate, events: [] };
}

const asMember = (s: Sim): GroupMember => ({
  name: s.rel.metadata.name ?? '',
  agent: s.rel.spec.targetRef.agent,
  steps: s.rel.spec.steps.length,
  status: s.rel.status,
  desiredVersion: 'v2',
  stableVersion: 'v1',
});

/** One reconcile of member `me` at second t: decide, measure when asked, decide again; restart-check. */
function step(me: Sim, others: Sim[], t: number): CanaryPlan {
  me.cluster.tick(t);
  const obs = { ...me.cluster.observe(me.rel, 'v2'), group: { name: 'g', members: others.map(asMember) } };
  let plan = decideCanary(obs, at(t));
  if (plan.measurement)
    plan = decideCanary({ ...obs, analysis: measure(plan.measurement, me.errorRate, t) }, at(t));
  const again = decideCanary({ ...obs, release: { ...me.rel, status: plan.status } }, at(t));
  expect(again.events, 'deciding again on its own status changes nothing').toEqual([]);
  me.cluster.apply(plan.traffic, t);
  me.rel = { ...me.rel, status: plan.status };
  me.events.push(...plan.events.map((e) => e.reason));
  return plan;
}

/** Runs the members in a seeded shuffled order each second until none is active; returns step gaps seen. */
function run(members: Sim[], seed: number): number[] {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  const gaps: number[] = [];
  for (let t = 0; t < 600; t++) {
    const order = [...members].sort(() => rnd() - 0.5);
    for (const me of order)
      step(
        me,
        members.filter((m) => m !== me),
        t,
      );
    const active = members.filter((m) => m.rel.status && isActive(m.rel.status));
    const idx = active.map((m) => m.rel.status?.currentStepIndex ?? 0);
    if (idx.length > 1) gaps.push(Math.max(...idx) - Math.min(...idx));
    if (t > 0 && active.length === 0) break;
  }
  return gaps;
}

describe('lockstep replay: two members', () => {
  it.each([1, 7, 42])(
    'advance together (never more than one step apart) and both promote (seed %i)',
    (seed) => {
      const members = [sim('orchestrator', 0.01, 2), sim('retriever', 0.01, 9)];
      const gaps = run(members, seed);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(1);
      for (const m of members) {
        expect(m.rel.status?.phase).toBe('Promoted');
        expect(m.events.filter((e) => e === 'StepCompleted')).toHaveLength(m.rel.spec.steps.length);
      }
    },
  );

  it('a failing analysis of one member rolls both back; the healthy one names it', () => {
    const members = [sim('orchestrator', 0.01, 2), sim('retriever', 0.3, 2)];
    run(members, 3);
    const [orch, retr] = members;
    expect(retr?.rel.status?.message).toMatch(/^AnalysisFailed/);
    expect(orch?.rel.status?.phase).toBe('RolledBack');
    expect(orch?.rel.status?.message).toMatch(/^GroupRolledBack: .*member retriever/);
    expect(orch?.cluster.canary?.replicas).toBe(0);
  });
});

import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
import { release } from '../../rollout/fixtures.test-util.js';
import { checkUpgrade } from '../../rollout/upgrade-guard.js';
import { decide, mergeEvents, phaseFromConditions } from './decide.js';
import { army, configOf, liveDeployment, observed, version } from './fixtures.test-util.js';

const now = new Date('2026-11-23T10:00:00Z');
const later = new Date('2026-11-23T11:00:00Z');
const v1 = version('orch-v1', '1.0.0');
const v11 = version('orch-v11', '1.1.0', { compatibleWith: '^1.0.0' });
const v2 = version('orch-v2', '2.0.0', { compatibleWith: '^2.0.0' });
const v2breaking = version('orch-v2b', '2.0.0', { breakingChanges: ['tool search renamed'] });
const cond = (plan: ReturnType<typeof decide>, type: string) =>
  plan.status.conditions?.find((c) => c.type === type);

describe('decide for a RollingUpdate army', () => {
  it("renders only the Deployment of a new 2-replica agent, mounting its version's ConfigMap, and reports Progressing", () => {
    const plan = decide(
      observed(army([{ name: 'orchestrator', version: 'orch-v1', replicas: 2 }]), [v1]),
      now,
    );
    expect(plan.desired.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Deployment/support-orchestrator',
    ]);
    const pod = (plan.desired[0] as V1Deployment).spec?.template;
    expect(pod?.spec?.volumes?.find((v) => v.configMap)?.configMap?.name).toBe('orch-v1-agent-config');
    expect(pod?.metadata?.annotations?.['agentarmy.dev/config-hash']).toBe(configOf(v1).hash);
    expect(plan.status.phase).toBe('Progressing');
    expect(plan.status.ready).toBe('0/1');
    expect(cond(plan, 'Ready')?.status).toBe('False');
    expect(cond(plan, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingOut' });
    expect(plan.status.observedGeneration).toBe(3);
  });

  /** One orchestrator agent whose Deployment has `ready` of `replicas` pods ready (none: no Deployment). */
  const agentWith = (replicas: number, ready?: number) =>
    observed(
      army([{ name: 'orchestrator', version: 'orch-v1', replicas }]),
      [v1],
      ready === undefined ? [] : [liveDeployment('orch-v1', replicas, ready)],
    );
  const existing = (kind: 'services' | 'pdbs') => {
    const obs = agentWith(2);
    const child = new Map([['support-orchestrator', { metadata: { name: 'support-orchestrator' } }]]);
    return { ...obs, children: { ...obs.children, [kind]: child } };
  };
  it.each([
    ['no Deployment yet', agentWith(2), false],
    ['no pod ready yet', agentWith(2, 0), false],
    ['the first pod is ready', agentWith(2, 1), true],
    ['every pod is ready', agentWith(2, 2), true],
    ['the Service exists (deleted PDB, or a rollout with no pod ready)', existing('services'), true],
    ['the PDB exists', existing('pdbs'), true],
    ['scaled to zero and rolled out', agentWith(0, 0), true],
  ])('renders Service and PDB of an agent when %s', (_when, obs, rendered) => {
    const kinds = decide(obs, now).desired.map((o) => o.kind);
    expect(kinds.includes('Service')).toBe(rendered);
    // A 0-replica agent has no PDB (it needs ≥ 2 pods).
    expect(kinds.includes('PodDisruptionBudget')).toBe(rendered && obs.army.spec.agents[0]?.replicas === 2);
  });

  it('adds an HPA and leaves Deployment replicas to it when autoscaling is set', () => {
    const plan = decide(
      observed(army([{ name: 'orchestrator', version: 'orch-v1', autoscaling: {} }]), [v1]),
      now,
    );
    const kinds = plan.desired.map((o) => o.kind);
    expect(kinds).toContain('HorizontalPodAutoscaler');
    expect(kinds).not.toContain('PodDisruptionBudget'); // with the first ready pod
    const dep = plan.desired.find((o) => o.kind === 'Deployment') as { spec: Record<string, unknown> };
    expect(dep.spec).not.toHaveProperty('replicas');
    const serving = decide(
      observed(
        army([{ name: 'orchestrator', version: 'orch-v1', autoscaling: {} }]),
        [v1],
        [liveDeployment('orch-v1', 2, 1)],
      ),
      now,
    );
    expect(serving.desired.map((o) => o.kind)).toContain('PodDisruptionBudget'); // default minReplicas 2
  });

  it('is Ready, with a RolloutCompleted event, once the Deployment runs the version on all pods', () => {
    const obs = observed(
      army([{ name: 'orchestrator', version: 'orch-v1', replicas: 2 }]),
      [v1],
      [liveDeployment('orch-v1', 2, 2)],
    );
    const plan = decide(obs, now);
    expect(plan.status.phase).toBe('Ready');
    expect(plan.status.ready).toBe('1/1');
    expect(plan.status.agents?.[0]).toMatchObject({
      stableVersion: 'orch-v1',
      readyReplicas: 2,
      phase: 'Ready',
    });
    expect(cond(plan, 'Ready')).toMatchObject({ status: 'True', reason: 'AllAgentsReady' });
    expect(plan.events.map((e) => e.reason)).toEqual(['RolloutCompleted']);
    expect(plan.requeueAfterMs).toBeUndefined();
  });

  it('records one RolloutCompleted naming every agent that completed in the same reconcile', () => {
    const writer = version('writer-v1', '1.0.0', { agent: 'writer' });
    const writerDeployment = liveDeployment('writer-v1', 2, 2);
    writerDeployment.metadata = { ...writerDeployment.metadata, name: 'support-writer' };
    const plan = decide(
      observed(
        army([
          { name: 'orchestrator', version: 'orch-v1', replicas: 2 },
          { name: 'writer', version: 'writer-v1', replicas: 2 },
        ]),
        [v1, writer],
        [liveDeployment('orch-v1', 2, 2), writerDeployment],
      ),
      now,
    );
    expect(plan.status.ready).toBe('2/2');
    expect(plan.events).toEqual([
      {
        type: 'Normal',
        reason: 'RolloutCompleted',
        message:
          'agent orchestrator runs orch-v1 (1.0.0) on 2 ready pods; agent writer runs writer-v1 (1.0.0) on 2 ready pods',
      },
    ]);
  });

  it('keeps the last completed version as stable while a new one rolls out, and moves it on completion', () => {
    const a = army([{ name: 'orchestrator', version: 'orch-v11', replicas: 2 }], {
      agents: [{ name: 'orchestrator', phase: 'Ready', stableVersion: 'orch-v1', readyReplicas: 2 }],
    });
    // The operator already applied 1.1.0: the annotation says orch-v11, but only 1 pod is updated.
    const rolling = { ...liveDeployment('orch-v11', 2, 2, 2) };
    rolling.status = { ...rolling.status, updatedReplicas: 1, replicas: 3 };
    const mid = decide(observed(a, [v1, v11], [rolling]), now);
    expect(mid.status.agents?.[0]).toMatchObject({ phase: 'Progressing', stableVersion: 'orch-v1' });
    expect(mid.status.agents?.[0]?.message).toBe('rolling out 1.1.0: 1/2 updated, 2 ready');
    const done = decide(
      observed({ ...a, status: mid.status }, [v1, v11], [liveDeployment('orch-v11', 2, 2, 2)]),
      later,
    );
    expect(done.status.agents?.[0]).toMatchObject({ phase: 'Ready', stableVersion: 'orch-v11' });
  });

  it('records no event and keeps lastTransitionTime at steady state (decide of its own status)', () => {
    const a = army([{ name: 'orchestrator', version: 'orch-v1', replicas: 2 }]);
    const first = decide(observed(a, [v1], [liveDeployment('orch-v1', 2, 2)]), now);
    const again = decide(
      observed({ ...a, status: first.status }, [v1], [liveDeployment('orch-v1', 2, 2)]),
      later,
    );
    expect(again.events).toEqual([]);
    expect(again.status).toEqual(first.status);
  });

  it.each([
    [
      'a missing AgentVersion',
      'nope',
      [v1],
      'VersionNotFound',
      /spec\.agents\[name=orchestrator\]\.version: AgentVersion nope not found/,
    ],
    [
      'a version of another agent',
      'other',
      [version('other', '1.0.0', { agent: 'rag' })],
      'AgentMismatch',
      /version of agent "rag", not "orchestrator"/,
    ],
  ])('is Degraded on %s, keeps existing children and warns once', (_what, ref, versions, reason, message) => {
    const a = army([{ name: 'orchestrator', version: ref }]);
    const plan = decide(observed(a, versions, [liveDeployment('orch-v1', 1, 1)]), now);
    expect(plan.status.phase).toBe('Degraded');
    expect(plan.keepAgents).toEqual(['orchestrator']);
    expect(plan.desired).toEqual([]);
    expect(cond(plan, 'Degraded')).toMatchObject({ status: 'True', reason });
    expect(cond(plan, 'Degraded')?.message).toMatch(message);
    expect(plan.events).toEqual([expect.objectContaining({ type: 'Warning', reason })]);
    const again = decide(
      observed({ ...a, status: plan.status }, versions, [liveDeployment('orch-v1', 1, 1)]),
      later,
    );
    expect(again.events).toEqual([]);
  });

  it('blocks a breaking upgrade: keeps rendering the running version and reports UpgradeBlocked', () => {
    const a = army([{ name: 'orchestrator', version: 'orch-v2b', replicas: 1 }]);
    const plan = decide(observed(a, [v1, v2breaking], [liveDeployment('orch-v1', 1, 1)]), now);
    const dep = plan.desired.find((o) => o.kind === 'Deployment') as {
      metadata: { annotations: Record<string, string> };
    };
    expect(dep.metadata.annotations['agentarmy.dev/agent-version']).toBe('orch-v1');
    expect(cond(plan, 'UpgradeBlocked')).toMatchObject({ status: 'True', reason: 'UpgradeBlocked' });
    expect(cond(plan, 'Degraded')?.message).toMatch(/tool search renamed.*allowBreakingUpgrade/);
    expect(plan.events.map((e) => e.reason)).toEqual(['UpgradeBlocked']);
  });

  it.each([
    ['a new agent waits, Pending, with nothing rendered', [], 'Pending'],
    [
      'a running agent keeps its Deployment untouched while the new version has none',
      [liveDeployment('orch-v1', 2, 2)],
      'Progressing',
    ],
  ])(
    "waiting for a version's config ConfigMap: %s; never Degraded, no Event",
    (_case, deployments, phase) => {
      const a = army(
        [{ name: 'orchestrator', version: 'orch-v11', replicas: 2 }],
        deployments.length
          ? { agents: [{ name: 'orchestrator', phase: 'Ready', stableVersion: 'orch-v1' }] }
          : undefined,
      );
      const plan = decide(observed(a, [v1, v11], deployments, ['orch-v11']), now);
      expect(plan.desired).toEqual([]);
      expect(plan.keepAgents).toEqual(['orchestrator']);
      expect(plan.status.agents?.[0]).toMatchObject({
        phase,
        message: 'waiting for ConfigMap orch-v11-agent-config of AgentVersion orch-v11',
      });
      expect(cond(plan, 'Degraded')?.status).toBe('False');
      expect(plan.events).toEqual([]);
      expect(plan.requeueAfterMs).toBeLessThanOrEqual(10_000);
    },
  );

  it("a version's config hash on the pod template follows the ConfigMap the AgentVersion controller wrote", () => {
    const obs = observed(army([{ name: 'orchestrator', version: 'orch-v1', replicas: 1 }]), [v1]);
    const edited = {
      ...obs,
      configs: new Map([['orch-v1', { name: 'orch-v1-agent-config', hash: 'prompt-edited' }]]),
    };
    const dep = decide(edited, now).desired.find((o) => o.kind === 'Deployment') as V1Deployment;
    expect(dep.spec?.template.metadata?.annotations?.['agentarmy.dev/config-hash']).toBe('prompt-edited');
  });

  it('rolls a breaking upgrade when allowBreakingUpgrade is set', () => {
    const a = army([{ name: 'orchestrator', version: 'orch-v2b', replicas: 1, allowBreakingUpgrade: true }]);
    const plan = decide(observed(a, [v1, v2breaking], [liveDeployment('orch-v1', 1, 1)]), now);
    const dep = plan.desired.find((o) => o.kind === 'Deployment') as {
      metadata: { annotations: Record<string, string> };
    };
    expect(dep.metadata.annotations['agentarmy.dev/agent-version']).toBe('orch-v2b');
    expect(plan.status.phase).toBe('Progressing');
    expect(cond(plan, 'UpgradeBlocked')?.status).toBe('False');
  });
});

describe('checkUpgrade', () => {
  it.each([
    ['first install', undefined, v1, false, true, 'FirstInstall'],
    ['same version', v1, v1, false, true, 'SameVersion'],
    ['inside compatibleWith', v1, v11, false, true, 'Compatible'],
    ['outside compatibleWith', v1, v2, false, false, 'IncompatibleVersion'],
    ['outside compatibleWith, allowed', v1, v2, true, true, 'BreakingAllowed'],
    ['breaking changes listed', v1, v2breaking, false, false, 'BreakingChanges'],
    ['no range, no breaking changes', v11, v1, false, true, 'Compatible'],
  ])('%s', (_name, running, desired, allow, allowed, reason) => {
    const verdict = checkUpgrade(running, desired, allow);
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.reason).toBe(reason);
  });
});

describe('mergeEvents', () => {
  const e = (type: 'Normal' | 'Warning', reason: string, message: string) => ({ type, reason, message });
  it.each([
    ['nothing to merge', [], []],
    [
      'one event stays as it is',
      [e('Normal', 'RolloutCompleted', 'a')],
      [e('Normal', 'RolloutCompleted', 'a')],
    ],
    [
      'same type and reason: one event, messages in order',
      [e('Normal', 'RolloutCompleted', 'a'), e('Normal', 'RolloutCompleted', 'b')],
      [e('Normal', 'RolloutCompleted', 'a; b')],
    ],
    [
      'a repeated message is said once',
      [e('Warning', 'VersionNotFound', 'x'), e('Warning', 'VersionNotFound', 'x')],
      [e('Warning', 'VersionNotFound', 'x')],
    ],
    [
      'different reasons or types stay apart, in first-seen order',
      [
        e('Warning', 'VersionNotFound', 'x'),
        e('Normal', 'RolloutCompleted', 'a'),
        e('Normal', 'VersionNotFound', 'y'),
      ],
      [
        e('Warning', 'VersionNotFound', 'x'),
        e('Normal', 'RolloutCompleted', 'a'),
        e('Normal', 'VersionNotFound', 'y'),
      ],
    ],
  ])('%s', (_name, events, expected) => {
    expect(mergeEvents(events)).toEqual(expected);
  });
});

describe('decide: pods that cannot start', () => {
  const stuckPod = (reason: string, message: string) => ({
    metadata: {
      name: 'support-orchestrator-abc',
      labels: { 'agentarmy.dev/army': 'support', 'agentarmy.dev/agent': 'orchestrator' },
      annotations: { 'agentarmy.dev/agent-version': 'orch-v1' },
    },
    status: {
      containerStatuses: [
        {
          name: 'agent',
          image: '',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason, message } },
        },
      ],
    },
  });
  const stuck = (status?: Record<string, unknown>) => ({
    ...observed(
      army([{ name: 'orchestrator', version: 'orch-v1', replicas: 1 }], status),
      [v1],
      [liveDeployment('orch-v1', 1, 0)],
    ),
    pods: [
      stuckPod(
        'CreateContainerConfigError',
        'container has runAsNonRoot and image has non-numeric user (node)',
      ),
    ],
  });

  it("puts the kubelet's reason and message in the agent's status, with one Warning Event", () => {
    const plan = decide(stuck(), now);
    const agent = plan.status.agents?.[0];
    expect(agent?.phase).toBe('Progressing');
    expect(agent?.reason).toBe('CreateContainerConfigError');
    expect(agent?.message).toContain('0/1 updated, 0 ready; pod support-orchestrator-abc container agent');
    expect(agent?.message).toContain('image has non-numeric user (node)');
    expect(plan.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'CreateContainerConfigError' }),
    ]);
    expect(cond(plan, 'Ready')?.message).toContain('CreateContainerConfigError');
  });

  it('records no second Event while the reason stays the same', () => {
    const first = decide(stuck(), now);
    const again = decide(stuck(first.status), later);
    expect(again.events).toEqual([]);
    expect(again.status.agents?.[0]?.reason).toBe('CreateContainerConfigError');
  });

  it('turns Degraded (ProgressDeadlineExceeded) once the Deployment gave up, quoting the pods', () => {
    const obs = stuck();
    const dep = liveDeployment('orch-v1', 1, 0);
    dep.spec = { ...dep.spec, selector: {}, template: {}, progressDeadlineSeconds: 30 };
    dep.status = {
      ...dep.status,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    };
    const plan = decide(
      { ...obs, children: { ...obs.children, deployments: new Map([['support-orchestrator', dep]]) } },
      now,
    );
    const agent = plan.status.agents?.[0];
    expect(agent?.phase).toBe('Degraded');
    expect(agent?.reason).toBe('ProgressDeadlineExceeded');
    expect(agent?.message).toContain('made no progress within 30 s');
    expect(agent?.message).toContain('CreateContainerConfigError');
    expect(plan.status.phase).toBe('Degraded');
    expect(cond(plan, 'Degraded')).toMatchObject({ status: 'True', reason: 'ProgressDeadlineExceeded' });
    expect(plan.events.map((e) => e.reason)).toContain('ProgressDeadlineExceeded');
  });

  it('says nothing of pods once the agent is Ready', () => {
    const obs = stuck();
    const plan = decide(
      {
        ...obs,
        children: {
          ...obs.children,
          deployments: new Map([['support-orchestrator', liveDeployment('orch-v1', 1, 1)]]),
        },
      },
      now,
    );
    expect(plan.status.agents?.[0]?.phase).toBe('Ready');
    expect(plan.status.agents?.[0]?.reason).toBeUndefined();
  });
});

describe('decide for a Canary army during a release', () => {
  const canaryAgent = {
    name: 'orchestrator',
    version: 'orch-v11',
    replicas: 4,
    strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orch' } } },
  };
  const releaseIn = (status: Partial<CanaryReleaseStatus>) =>
    release({}, { fromVersion: 'orch-v1', toVersion: 'orch-v11', canaryWeight: 10, ...status });
  const helperV1 = version('helper-v1', '1.0.0', { agent: 'helper' });
  /** The army mid-release (stable orch-v1), plus a RollingUpdate agent `helper` with no pods yet when asked. */
  const withRelease = (r: ReturnType<typeof releaseIn>, helper = false) => {
    const agents = helper
      ? [canaryAgent, { name: 'helper', version: 'helper-v1', replicas: 1 }]
      : [canaryAgent];
    const obs = observed(
      army(agents, {
        observedGeneration: 3,
        phase: 'Progressing',
        agents: [{ name: 'orchestrator', phase: 'Progressing', stableVersion: 'orch-v1' }],
      }),
      [v1, v11, helperV1],
    );
    return { ...obs, releases: new Map([['orch', r]]) };
  };

  it.each([
    ['running a step', 'RollingOut', { phase: 'Progressing' as const }],
    [
      'paused at a pause step, for a human',
      'ReleasePaused',
      { phase: 'Paused' as const, pauseReason: 'Step' as const },
    ],
    ['paused by hand', 'ReleasePaused', { phase: 'Paused' as const, pauseReason: 'Manual' as const }],
    [
      'paused on inconclusive analysis',
      'ReleasePaused',
      { phase: 'Paused' as const, pauseReason: 'Inconclusive' as const },
    ],
    [
      'paused after a failure it may not roll back',
      'RollingOut',
      { phase: 'Paused' as const, pauseReason: 'Failure' as const },
    ],
  ])('%s: Progressing=True, reason %s', (_when, reason, status) => {
    const plan = decide(withRelease(releaseIn(status)), now);
    expect(plan.status.agents?.[0]?.phase).toBe('Progressing');
    expect(cond(plan, 'Progressing')).toMatchObject({ status: 'True', reason });
  });

  it('reports RollingOut when another agent is still rolling out on its own', () => {
    const plan = decide(withRelease(releaseIn({ phase: 'Paused', pauseReason: 'Step' }), true), now);
    expect(plan.status.agents?.map((a) => a.phase)).toEqual(['Progressing', 'Progressing']);
    expect(cond(plan, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingOut' });
  });
});

describe('phaseFromConditions', () => {
  const c = (type: string, status: 'True' | 'False') => ({
    type,
    status,
    reason: 'R',
    message: '',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  });
  it.each([
    [
      'a problem wins over everything',
      [c('Degraded', 'True'), c('Ready', 'True'), c('Progressing', 'True')],
      'Degraded',
    ],
    ['every agent ready', [c('Degraded', 'False'), c('Ready', 'True'), c('Progressing', 'False')], 'Ready'],
    [
      'a rollout in progress',
      [c('Degraded', 'False'), c('Ready', 'False'), c('Progressing', 'True')],
      'Progressing',
    ],
    [
      'nothing ready, nothing rolling',
      [c('Degraded', 'False'), c('Ready', 'False'), c('Progressing', 'False')],
      'Pending',
    ],
    ['no conditions yet', [], 'Pending'],
  ] as const)('%s → %s', (_what, conditions, phase) => {
    expect(phaseFromConditions([...conditions])).toBe(phase);
  });
});

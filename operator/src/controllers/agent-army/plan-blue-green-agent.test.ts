import type { V1Deployment, V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AgentStatus, AnalysisRunStatus } from '../../api/v1alpha1/index.js';
import { ANALYSIS, at, iso, measurement } from '../../rollout/fixtures.test-util.js';
import { decide } from './decide.js';
import { army, liveDeployment, observed, version } from './fixtures.test-util.js';
import type { ObservedArmy } from './observed.js';

const v1 = version('orch-v1', '1.0.0');
const v2 = version('orch-v2', '1.1.0');
const bgAgent = (v: string, blueGreen: Record<string, unknown> = {}) => ({
  name: 'orchestrator',
  version: v,
  replicas: 2,
  strategy: { type: 'BlueGreen', blueGreen: { scaleDownDelaySeconds: 3, ...blueGreen } },
});
const colorDep = (color: 'blue' | 'green', av: string, replicas = 2, ready = replicas): V1Deployment => {
  const d = liveDeployment(av, replicas, ready);
  return { ...d, metadata: { ...d.metadata, name: `support-orchestrator-${color}` } };
};
const activeSvc = (track: string): V1Service => ({
  metadata: { name: 'support-orchestrator' },
  spec: { selector: { 'agentarmy.dev/track': track } },
});
const agentStatus = (over: Partial<AgentStatus> = {}): AgentStatus => ({
  name: 'orchestrator',
  phase: 'Ready',
  stableVersion: 'orch-v1',
  readyReplicas: 2,
  activeColor: 'blue',
  previewColor: 'blue',
  colorVersions: { blue: 'orch-v1' },
  ...over,
});

function obsOf(
  agentSpec: Record<string, unknown>,
  status: Record<string, unknown> | undefined,
  deps: V1Deployment[],
  services: V1Service[] = [],
): ObservedArmy {
  const o = observed(army([agentSpec], status), [v1, v2], deps);
  return {
    ...o,
    children: { ...o.children, services: new Map(services.map((s) => [s.metadata?.name ?? '', s])) },
  };
}

/** What a plan does to traffic and pods: Service selectors and each color's version and replicas. */
function shape(obs: ObservedArmy, sec = 1) {
  const plan = decide(obs, at(sec));
  const deps = plan.desired.filter((o) => o.kind === 'Deployment') as V1Deployment[];
  const svcs = plan.desired.filter((o) => o.kind === 'Service') as V1Service[];
  const selector = (name: string) =>
    svcs.find((s) => s.metadata?.name === name)?.spec?.selector?.['agentarmy.dev/track'];
  return {
    plan,
    summary: {
      phase: plan.status.agents?.[0]?.phase,
      active: selector('support-orchestrator'),
      preview: selector('support-orchestrator-preview'),
      colors: Object.fromEntries(
        deps.map((d) => [
          d.metadata?.name?.replace('support-orchestrator-', ''),
          `${d.metadata?.labels?.['agentarmy.dev/version']}x${d.spec?.replicas}`,
        ]),
      ),
    },
  };
}

describe('planBlueGreenAgent: colors and Services from status', () => {
  it.each([
    [
      'first install runs blue only, both Services on blue',
      obsOf(bgAgent('orch-v1'), undefined, []),
      { phase: 'Progressing', active: 'blue', preview: 'blue', colors: { blue: '1.0.0x2' } },
    ],
    [
      'first install Ready once blue is rolled out',
      obsOf(bgAgent('orch-v1'), undefined, [colorDep('blue', 'orch-v1')]),
      { phase: 'Ready', active: 'blue', preview: 'blue', colors: { blue: '1.0.0x2' } },
    ],
    [
      'a version change brings green up behind the preview Service only',
      obsOf(bgAgent('orch-v2'), { agents: [agentStatus()] }, [colorDep('blue', 'orch-v1')]),
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        colors: { blue: '1.0.0x2', green: '1.1.0x2' },
      },
    ],
    [
      'a Ready preview switches the active Service and keeps the old color',
      obsOf(
        bgAgent('orch-v2'),
        {
          agents: [
            agentStatus({ previewColor: 'green', colorVersions: { blue: 'orch-v1', green: 'orch-v2' } }),
          ],
        },
        [colorDep('blue', 'orch-v1'), colorDep('green', 'orch-v2')],
      ),
      { phase: 'Ready', active: 'green', preview: 'green', colors: { blue: '1.0.0x2', green: '1.1.0x2' } },
    ],
    [
      'a lost status follows the live active Service (green) instead of starting over on blue',
      obsOf(bgAgent('orch-v1'), undefined, [colorDep('green', 'orch-v1')], [activeSvc('green')]),
      { phase: 'Ready', active: 'green', preview: 'green', colors: { green: '1.0.0x2' } },
    ],
  ])('%s', (_name, obs, want) => {
    expect(shape(obs).summary).toEqual(want);
  });

  it('asks for a requeue when the old color is due for scale-down, then scales it to zero', () => {
    const switched = agentStatus({
      stableVersion: 'orch-v2',
      activeColor: 'green',
      previewColor: 'green',
      colorVersions: { blue: 'orch-v1', green: 'orch-v2' },
      switchedAt: iso(0),
      scaleDownAt: iso(3),
    });
    const deps = [colorDep('blue', 'orch-v1'), colorDep('green', 'orch-v2')];
    const before = shape(obsOf(bgAgent('orch-v2'), { agents: [switched] }, deps), 1);
    expect(before.plan.requeueAfterMs).toBe(2000);
    expect(before.summary.colors).toEqual({ blue: '1.0.0x2', green: '1.1.0x2' });
    const after = shape(obsOf(bgAgent('orch-v2'), { agents: [switched] }, deps), 4);
    expect(after.summary.colors).toEqual({ blue: '1.0.0x0', green: '1.1.0x2' });
    expect(after.plan.events.map((e) => e.reason)).toContain('ScaledDown');
  });
});

describe('planBlueGreenAgent: control, analysis and problems', () => {
  const previewReady = (blueGreen: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    obsOf(
      bgAgent('orch-v2', blueGreen),
      {
        agents: [
          agentStatus({
            phase: 'Progressing',
            previewColor: 'green',
            colorVersions: { blue: 'orch-v1', green: 'orch-v2' },
            analysisRuns: [],
          }),
        ],
        ...extra,
      },
      [colorDep('blue', 'orch-v1'), colorDep('green', 'orch-v2')],
    );

  it.each([
    ['without a control request it waits on blue', {}, 'blue', undefined],
    [
      'promote switches and records lastControl Applied, control kept as written',
      { control: { id: 'p1', action: 'promote', agent: 'orchestrator' } },
      'green',
      'Applied',
    ],
    [
      'a request for another agent is left for that agent',
      { control: { id: 'p2', action: 'promote', agent: 'other' } },
      'blue',
      undefined,
    ],
  ])('autoPromote false: %s', (_name, extra, active, outcome) => {
    const obs = previewReady({ autoPromote: false }, extra);
    const { plan, summary } = shape(obs);
    expect(summary.active).toBe(active);
    expect(plan.status.lastControl?.outcome).toBe(outcome);
    expect(plan.status.control).toEqual(obs.army.status?.control);
  });

  const running: AnalysisRunStatus = {
    stepIndex: -1,
    version: 'orch-v2',
    phase: 'Running',
    startedAt: iso(0),
    successful: 0,
    failed: 0,
    inconclusive: 0,
    errors: 0,
    consecutiveErrors: 0,
    measurements: [],
  };
  const analysed = (analyses?: AnalysisRunStatus) => {
    const obs = previewReady({ prePromotionAnalysis: { ...ANALYSIS, count: 1 } });
    const agents = obs.army.status?.agents?.map((a) => ({ ...a, analysisRuns: [running] }));
    const withRun = { ...obs, army: { ...obs.army, status: { ...obs.army.status, agents } } };
    return shape(analyses ? { ...withRun, analyses: new Map([['orchestrator', analyses]]) } : withRun, 11);
  };

  it('asks to measure the preview color against the active color when a measurement is due', () => {
    const { plan, summary } = analysed();
    expect(plan.measurements).toEqual([
      expect.objectContaining({
        agent: 'orchestrator',
        request: expect.objectContaining({ subjectTrack: 'green', baselineTrack: 'blue' }),
      }),
    ]);
    expect(plan.measurements[0]?.request).toMatchObject({ version: 'orch-v2', baselineVersion: 'orch-v1' });
    expect(summary.active).toBe('blue');
  });

  it.each([
    [
      'a passing run switches to green',
      {
        ...running,
        phase: 'Successful' as const,
        successful: 1,
        measurements: [measurement('Pass', 0.01, 11)],
      },
      { phase: 'Ready', active: 'green', green: '1.1.0x2', reason: undefined },
    ],
    [
      'a failing run keeps blue, scales green down and degrades RolledBack',
      { ...running, phase: 'Failed' as const, failed: 1, measurements: [measurement('Fail', 0.3, 11)] },
      { phase: 'Degraded', active: 'blue', green: '1.1.0x0', reason: 'RolledBack' },
    ],
  ])('with the measured run: %s', (_name, run, want) => {
    const { plan, summary } = analysed(run);
    expect(plan.measurements).toEqual([]);
    const degraded = plan.status.conditions?.find((c) => c.type === 'Degraded');
    expect({
      phase: summary.phase,
      active: summary.active,
      green: summary.colors.green,
      reason: degraded?.status === 'True' ? degraded.reason : undefined,
    }).toEqual(want);
  });

  it('a missing desired AgentVersion degrades the agent and keeps its children', () => {
    const plan = decide(
      obsOf(bgAgent('orch-v9'), { agents: [agentStatus()] }, [colorDep('blue', 'orch-v1')]),
      at(1),
    );
    expect(plan.keepAgents).toEqual(['orchestrator']);
    expect(plan.desired).toEqual([]);
    expect(plan.status.agents?.[0]).toMatchObject({ phase: 'Degraded', activeColor: 'blue' });
    expect(plan.status.conditions?.find((c) => c.type === 'Degraded')?.reason).toBe('VersionNotFound');
  });
});

describe('planBlueGreenAgent: crash-looping preview pods', () => {
  const preview = {
    agents: [agentStatus({ previewColor: 'green', colorVersions: { blue: 'orch-v1', green: 'orch-v2' } })],
  };
  const pod = (agent: string, av: string, waiting?: string, restartCount = 0): V1Pod => ({
    metadata: {
      name: `${agent}-${av}-pod`,
      labels: {
        'agentarmy.dev/army': 'support',
        'agentarmy.dev/agent': agent,
        'agentarmy.dev/track': 'green',
      },
      annotations: { 'agentarmy.dev/agent-version': av },
    },
    status: {
      containerStatuses: [
        {
          name: 'agent',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount,
          ...(waiting ? { state: { waiting: { reason: waiting } } } : {}),
        },
      ],
    },
  });
  const withPods = (pods: V1Pod[]) => ({
    ...obsOf(bgAgent('orch-v2'), preview, [colorDep('blue', 'orch-v1'), colorDep('green', 'orch-v2', 2, 0)]),
    pods,
  });

  it('rolls the preview back when its pods crash-loop: traffic stays on blue, one Warning RolledBack', () => {
    const { plan, summary } = shape(withPods([pod('orchestrator', 'orch-v2', 'CrashLoopBackOff', 4)]));
    expect(summary.active).toBe('blue');
    expect(summary.phase).toBe('Degraded');
    expect(plan.status.agents?.[0]?.message).toContain('CrashLoopBackOff');
    // Exactly one RolledBack Event, the one naming the cause (no second one for the agent's problem).
    expect(plan.events.filter((e) => e.reason === 'RolledBack').map((e) => e.type)).toEqual(['Warning']);
  });

  it.each([
    ['pods of another agent', [pod('researcher', 'orch-v2', 'CrashLoopBackOff', 4)]],
    ['pods of another version', [pod('orchestrator', 'orch-v1', 'CrashLoopBackOff', 4)]],
    ['pods still starting', [pod('orchestrator', 'orch-v2', 'ContainerCreating')]],
  ])('keeps waiting for the preview with %s', (_n, pods) => {
    const { plan, summary } = shape(withPods(pods));
    expect(summary.phase).toBe('Progressing');
    expect(plan.events.map((e) => e.reason)).not.toContain('RolledBack');
  });
});

// zod accepts good objects (applying defaults) and rejects bad ones naming the field.
import { describe, expect, it } from 'vitest';
import { Autoscaling, BlueGreenStrategy, RollingUpdateStrategy } from './agent-army.js';
import { AnalysisSpec } from './analysis.js';
import { RollbackOn } from './canary-release.js';
import { AgentArmy, AgentVersion, CanaryRelease } from './index.js';
import { parseAgentArmy, parseAgentVersion, parseCanaryRelease, safeParseResource } from './validate.js';

const meta = { name: 'x', namespace: 'ns' };
const version = () => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentVersion',
  metadata: meta,
  spec: {
    agent: 'orchestrator',
    version: '1.0.0',
    image: 'acme/agent:1',
    model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'k', key: 'api-key' } },
    systemPrompt: 'Be helpful.',
  } as Record<string, unknown>,
});
const army = () => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: meta,
  spec: { agents: [{ name: 'orchestrator', version: 'orchestrator-v1.0.0' }] as Record<string, unknown>[] },
});
const release = () => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'CanaryRelease',
  metadata: meta,
  spec: {
    targetRef: { army: 'support', agent: 'orchestrator' },
    steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 100 }] as Record<string, unknown>[],
  } as Record<string, unknown>,
});
const provider = { prometheus: { address: 'http://prom:9090' } };

type Case = [string, () => unknown, string];
const cases: Case[] = [
  ['bad semver', () => ({ ...version(), spec: { ...version().spec, version: '1.0' } }), 'spec.version'],
  ['missing image', () => ({ ...version(), spec: { ...version().spec, image: undefined } }), 'spec.image'],
  [
    'prompt and promptRef',
    () => ({ ...version(), spec: { ...version().spec, promptRef: { name: 'p', key: 'k' } } }),
    'spec',
  ],
  [
    'bad range',
    () => ({ ...version(), spec: { ...version().spec, compatibleWith: '^^1' } }),
    'spec.compatibleWith',
  ],
  [
    'temperature 3',
    () => ({
      ...version(),
      spec: { ...version().spec, model: { ...(version().spec.model as object), temperature: 3 } },
    }),
    'spec.model.temperature',
  ],
  ['empty agents', () => ({ ...army(), spec: { agents: [] } }), 'spec.agents'],
  [
    'duplicate agents',
    () => ({ ...army(), spec: { agents: [army().spec.agents[0], army().spec.agents[0]] } }),
    'spec.agents[1].name',
  ],
  [
    'replicas < 0',
    () => ({ ...army(), spec: { agents: [{ name: 'a', version: 'v', replicas: -1 }] } }),
    'spec.agents[0].replicas',
  ],
  [
    'min > max',
    () => ({
      ...army(),
      spec: { agents: [{ name: 'a', version: 'v', autoscaling: { minReplicas: 5, maxReplicas: 3 } }] },
    }),
    'spec.agents[0].autoscaling.minReplicas',
  ],
  [
    'unknown strategy',
    () => ({ ...army(), spec: { agents: [{ name: 'a', version: 'v', strategy: { type: 'Recreate' } }] } }),
    'spec.agents[0].strategy.type',
  ],
  [
    'canary without ref',
    () => ({ ...army(), spec: { agents: [{ name: 'a', version: 'v', strategy: { type: 'Canary' } }] } }),
    'spec.agents[0].strategy.canary',
  ],
  [
    'maxSurge 150%',
    () => ({
      ...army(),
      spec: { agents: [{ name: 'a', version: 'v', strategy: { rollingUpdate: { maxSurge: '150%' } } }] },
    }),
    'spec.agents[0].strategy.rollingUpdate.maxSurge',
  ],
  [
    'weight 120',
    () => ({ ...release(), spec: { ...release().spec, steps: [{ setWeight: 120 }] } }),
    'spec.steps[0].setWeight',
  ],
  [
    'decreasing weights',
    () => ({ ...release(), spec: { ...release().spec, steps: [{ setWeight: 50 }, { setWeight: 10 }] } }),
    'spec.steps',
  ],
  [
    'two actions in a step',
    () => ({ ...release(), spec: { ...release().spec, steps: [{ setWeight: 10, pause: {} }] } }),
    'spec.steps[0]',
  ],
  [
    'an evaluation and a weight in one step',
    () => ({
      ...release(),
      spec: {
        ...release().spec,
        steps: [{ setWeight: 10, evaluation: { dataset: { configMapRef: { name: 'golden' } } } }],
      },
    }),
    'spec.steps[0]',
  ],
  [
    'an evaluation timeout above 1h',
    () => ({
      ...release(),
      spec: {
        ...release().spec,
        steps: [{ evaluation: { dataset: { configMapRef: { name: 'golden' } }, timeout: '2h' } }],
      },
    }),
    'spec.steps[0].evaluation.timeout',
  ],
  [
    'an evaluation dataset key with a slash',
    () => ({
      ...release(),
      spec: {
        ...release().spec,
        steps: [{ evaluation: { dataset: { configMapRef: { name: 'golden', key: '../x' } } } }],
      },
    }),
    'spec.steps[0].evaluation.dataset.configMapRef.key',
  ],
  [
    'bad pause duration',
    () => ({ ...release(), spec: { ...release().spec, steps: [{ pause: { duration: '5 minutes' } }] } }),
    'spec.steps[0].pause.duration',
  ],
  [
    'analysis step without analysis',
    () => ({ ...release(), spec: { ...release().spec, steps: [{ analysis: {} }] } }),
    'spec.analysis',
  ],
  [
    'error rate above 1',
    () => ({ ...release(), spec: { ...release().spec, analysis: { provider, maxErrorRate: 5 } } }),
    'spec.analysis.maxErrorRate',
  ],
];

describe('rejections name the field', () => {
  it.each(cases)('%s → %s', (_name, make, path) => {
    const obj = make() as { kind: string };
    const schema = { AgentVersion, AgentArmy, CanaryRelease }[obj.kind as 'AgentVersion'];
    const r = safeParseResource(schema, obj.kind, obj);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.problems.map((p) => p.path)).toContain(path);
      expect(r.error.message).toContain(`${path}: `);
    }
  });
});

describe('defaults', () => {
  it('autoscaling defaults to 2–10 replicas, CPU 70%, memory 80%', () => {
    expect(Autoscaling.parse({})).toEqual({
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilization: 70,
      targetMemoryUtilization: 80,
      scaleUpStabilizationSeconds: 0,
      scaleDownStabilizationSeconds: 300,
    });
  });
  it('blue-green keeps the old color 30 s and auto-promotes', () => {
    expect(BlueGreenStrategy.parse({})).toEqual({ autoPromote: true, scaleDownDelaySeconds: 30 });
  });
  it('rolling update surges 25% with no unavailable pods', () => {
    expect(RollingUpdateStrategy.parse({})).toEqual({ maxSurge: '25%', maxUnavailable: 0 });
  });
  it('analysis defaults interval 1m, count 3, failureLimit 0, rollback after 4 errors', () => {
    expect(AnalysisSpec.parse({ provider, maxErrorRate: 0.05 })).toMatchObject({
      provider: { prometheus: { address: 'http://prom:9090', timeout: '10s' } },
      interval: '1m',
      count: 3,
      failureLimit: 0,
      consecutiveErrorLimit: 4,
      consecutiveErrorAction: 'Rollback',
    });
    expect(RollbackOn.parse({})).toEqual({
      analysisFailure: true,
      podCrashLoop: true,
      progressDeadline: true,
    });
  });
  it('an agent without strategy gets RollingUpdate, one replica, no breaking upgrades', () => {
    const a = parseAgentArmy(army()).spec.agents[0];
    expect(a).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate' },
      allowBreakingUpgrade: false,
    });
  });
  it('an evaluation step defaults to dataset.jsonl, ratio 0.9, 10 samples per track, 5m', () => {
    const rel = CanaryRelease.parse({
      ...release(),
      spec: { ...release().spec, steps: [{ evaluation: { dataset: { configMapRef: { name: 'golden' } } } }] },
    });
    expect(rel.spec.steps[0]?.evaluation).toEqual({
      dataset: { configMapRef: { name: 'golden', key: 'dataset.jsonl' } },
      minScoreRatio: 0.9,
      minSamples: 10,
      timeout: '5m',
    });
  });

  it('a release gets the default traffic routing and deadline', () => {
    const r = parseCanaryRelease(release());
    expect(r.spec.progressDeadlineSeconds).toBe(600);
    expect(r.spec.trafficRouting).toEqual({});
    expect(r.spec.rollbackOn.analysisFailure).toBe(true);
  });
});

describe('parse helpers', () => {
  it('returns the typed object with model defaults', () => {
    expect(parseAgentVersion(version()).spec.model.timeoutSeconds).toBe(60);
  });
  it('throws ApiValidationError listing every bad field with its path', () => {
    const bad = { ...version(), spec: { ...version().spec, version: 'x', image: '' } };
    expect(() => parseAgentVersion(bad)).toThrowError(
      /invalid AgentVersion ns\/x: .*spec\.version.*spec\.image/,
    );
  });
  it('names a wrong kind', () => {
    expect(() => parseAgentArmy({ ...version() })).toThrowError(/kind/);
  });
});

describe('names the army gives its children', () => {
  const named = (name: string, agent = 'orchestrator') => ({
    ...army(),
    metadata: { name, namespace: 'ns' },
    spec: { agents: [{ name: agent, version: 'v1' }] },
  });
  it.each([
    ['a name with a dot (not a Service name)', named('team.support'), /DNS-1035 label/],
    ['a name starting with a digit', named('1support'), /DNS-1035 label/],
    [
      'army + agent longer than a Service name allows',
      named('a'.repeat(30), 'b'.repeat(25)),
      /at most 54 characters/,
    ],
  ])('refuses %s', (_what, obj, message) => {
    const r = safeParseResource(AgentArmy, 'AgentArmy', obj);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(message);
  });

  it('accepts the longest names that still fit', () => {
    expect(safeParseResource(AgentArmy, 'AgentArmy', named('a'.repeat(29), 'b'.repeat(25))).ok).toBe(true);
  });
});

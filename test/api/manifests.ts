// Valid base manifests and the table of invalid ones, each with the field path the rejection must name.
export type Manifest = Record<string, unknown> & { kind: string; spec: Record<string, unknown> };

const API = 'agentarmy.dev/v1alpha1';

export function agentVersion(name = 'table-v1.0.0', version = '1.0.0'): Manifest {
  return {
    apiVersion: API,
    kind: 'AgentVersion',
    metadata: { name },
    spec: {
      agent: 'orchestrator',
      version,
      image: 'agent-army/agent-runtime:0.1.0',
      model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'openai-api-key', key: 'api-key' } },
      systemPrompt: 'You are helpful.',
      tools: [{ name: 'search', url: 'http://search.svc:8080/q' }],
    },
  };
}

export function agentArmy(): Manifest {
  return {
    apiVersion: API,
    kind: 'AgentArmy',
    metadata: { name: 'table-army' },
    spec: { agents: [{ name: 'orchestrator', version: 'orchestrator-v1.0.0', replicas: 2 }] },
  };
}

export function canaryRelease(): Manifest {
  return {
    apiVersion: API,
    kind: 'CanaryRelease',
    metadata: { name: 'table-release' },
    spec: {
      targetRef: { army: 'support', agent: 'orchestrator' },
      steps: [{ setWeight: 10 }, { pause: { duration: '30s' } }, { analysis: {} }, { setWeight: 100 }],
      analysis: { provider: { prometheus: { address: 'http://prometheus:9090' } }, maxErrorRate: 0.05 },
    },
  };
}

/** A copy of `base` with the value at a dotted path (numbers index arrays) replaced; undefined deletes. */
export function withField(base: Manifest, path: string, value: unknown): Manifest {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const agent = (extra: Record<string, unknown>) => [
  { name: 'orchestrator', version: 'orchestrator-v1.0.0', ...extra },
];
const strategy = (s: Record<string, unknown>) => agent({ strategy: s });
const analysis = (extra: Record<string, unknown>) => ({
  provider: { prometheus: { address: 'http://prometheus:9090' } },
  ...extra,
});

/** [what is wrong, manifest, field path the rejection must name]. */
export const invalidManifests: Array<[string, Manifest, string]> = [
  ['semver without patch', withField(agentVersion(), 'spec.version', '1.0'), 'spec.version'],
  ['semver with v prefix', withField(agentVersion(), 'spec.version', 'v1.0.0'), 'spec.version'],
  ['missing image', withField(agentVersion(), 'spec.image', undefined), 'spec.image'],
  ['image with a space', withField(agentVersion(), 'spec.image', 'agent runtime:1'), 'spec.image'],
  ['agent not a DNS label', withField(agentVersion(), 'spec.agent', 'Orchestrator_1'), 'spec.agent'],
  [
    'systemPrompt and promptRef',
    withField(agentVersion(), 'spec.promptRef', { name: 'prompts', key: 'p' }),
    'exactly one of systemPrompt and promptRef',
  ],
  [
    'no prompt at all',
    withField(agentVersion(), 'spec.systemPrompt', undefined),
    'exactly one of systemPrompt',
  ],
  ['temperature 3', withField(agentVersion(), 'spec.model.temperature', 3), 'spec.model.temperature'],
  [
    'no API key ref',
    withField(agentVersion(), 'spec.model.apiKeySecretRef', undefined),
    'spec.model.apiKeySecretRef',
  ],
  ['baseURL not http', withField(agentVersion(), 'spec.model.baseURL', 'grpc://x'), 'spec.model.baseURL'],
  [
    'duplicate tool names',
    withField(agentVersion(), 'spec.tools', [
      { name: 'search', url: 'http://a.svc/q' },
      { name: 'search', url: 'http://b.svc/q' },
    ]),
    'spec.tools[1]',
  ],
  ['tool URL not http', withField(agentVersion(), 'spec.tools.0.url', 'ftp://files'), 'spec.tools[0].url'],
  [
    'unknown tool protocol',
    withField(agentVersion(), 'spec.tools.0.protocol', 'grpc'),
    'spec.tools[0].protocol',
  ],
  [
    'env value and valueFrom',
    withField(agentVersion(), 'spec.env', [
      { name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]),
    'spec.env[0]',
  ],
  [
    'bad memory quantity',
    withField(agentVersion(), 'spec.resources', { limits: { memory: '1 GB' } }),
    'spec.resources.limits.memory',
  ],
  [
    'compatibleWith with a semicolon',
    withField(agentVersion(), 'spec.compatibleWith', '^1.0.0;x'),
    'spec.compatibleWith',
  ],
  ['empty agents', withField(agentArmy(), 'spec.agents', []), 'spec.agents'],
  [
    'duplicate agent names',
    withField(agentArmy(), 'spec.agents', [...agent({}), ...agent({})]),
    'spec.agents[1]',
  ],
  ['replicas < 0', withField(agentArmy(), 'spec.agents', agent({ replicas: -1 })), 'spec.agents[0].replicas'],
  ['agent name with _', withField(agentArmy(), 'spec.agents.0.name', 'my_agent'), 'spec.agents[0].name'],
  [
    'agent without version',
    withField(agentArmy(), 'spec.agents.0.version', undefined),
    'spec.agents[0].version',
  ],
  [
    'autoscaling min > max',
    withField(agentArmy(), 'spec.agents', agent({ autoscaling: { minReplicas: 5, maxReplicas: 3 } })),
    'spec.agents[0].autoscaling.minReplicas',
  ],
  [
    'CPU target 150%',
    withField(agentArmy(), 'spec.agents', agent({ autoscaling: { targetCPUUtilization: 150 } })),
    'spec.agents[0].autoscaling.targetCPUUtilization',
  ],
  [
    'unknown strategy',
    withField(agentArmy(), 'spec.agents', strategy({ type: 'Recreate' })),
    'spec.agents[0].strategy.type',
  ],
  [
    'Canary without canaryReleaseRef',
    withField(agentArmy(), 'spec.agents', strategy({ type: 'Canary' })),
    'spec.agents[0].strategy.canary',
  ],
  [
    'blueGreen block on a RollingUpdate agent',
    withField(agentArmy(), 'spec.agents', strategy({ type: 'RollingUpdate', blueGreen: {} })),
    'spec.agents[0].strategy.blueGreen',
  ],
  [
    'maxSurge 150%',
    withField(agentArmy(), 'spec.agents', strategy({ rollingUpdate: { maxSurge: '150%' } })),
    'spec.agents[0].strategy.rollingUpdate.maxSurge',
  ],
  [
    'maxUnavailable -1',
    withField(agentArmy(), 'spec.agents', strategy({ rollingUpdate: { maxUnavailable: -1 } })),
    'spec.agents[0].strategy.rollingUpdate.maxUnavailable',
  ],
  [
    'negative scaleDownDelaySeconds',
    withField(
      agentArmy(),
      'spec.agents',
      strategy({ type: 'BlueGreen', blueGreen: { scaleDownDelaySeconds: -5 } }),
    ),
    'spec.agents[0].strategy.blueGreen.scaleDownDelaySeconds',
  ],
  ['weight 120', withField(canaryRelease(), 'spec.steps.0.setWeight', 120), 'spec.steps[0].setWeight'],
  [
    'decreasing weights',
    withField(canaryRelease(), 'spec.steps', [{ setWeight: 50 }, { setWeight: 10 }]),
    'spec.steps',
  ],
  [
    'step with two actions',
    withField(canaryRelease(), 'spec.steps.0', { setWeight: 10, pause: {} }),
    'spec.steps[0]',
  ],
  ['empty step', withField(canaryRelease(), 'spec.steps.0', {}), 'spec.steps[0]'],
  ['no steps', withField(canaryRelease(), 'spec.steps', []), 'spec.steps'],
  [
    'bad pause duration',
    withField(canaryRelease(), 'spec.steps.1.pause.duration', '5 minutes'),
    'spec.steps[1].pause.duration',
  ],
  ['analysis step without analysis', withField(canaryRelease(), 'spec.analysis', undefined), 'spec.analysis'],
  ['error rate 5', withField(canaryRelease(), 'spec.analysis.maxErrorRate', 5), 'spec.analysis.maxErrorRate'],
  ['analysis without any metric', withField(canaryRelease(), 'spec.analysis', analysis({})), 'spec.analysis'],
  [
    'bad analysis interval',
    withField(canaryRelease(), 'spec.analysis', analysis({ maxErrorRate: 0.05, interval: '1 minute' })),
    'spec.analysis.interval',
  ],
  [
    'query timeout over 60s',
    withField(canaryRelease(), 'spec.analysis.provider.prometheus', {
      address: 'http://p:9090',
      timeout: '2m',
    }),
    'spec.analysis.provider.prometheus.timeout',
  ],
  [
    'metric without a condition bound',
    withField(
      canaryRelease(),
      'spec.analysis',
      analysis({ metrics: [{ name: 'errors', query: 'sum(x)', condition: {} }] }),
    ),
    'spec.analysis.metrics[0].condition',
  ],
  [
    'cohorts without gatewayAPI',
    withField(canaryRelease(), 'spec.trafficRouting', { cohorts: [{ header: 'x-user-id', values: ['42'] }] }),
    'spec.trafficRouting.cohorts',
  ],
  [
    'targetRef without agent',
    withField(canaryRelease(), 'spec.targetRef.agent', undefined),
    'spec.targetRef.agent',
  ],
  [
    'progress deadline 0',
    withField(canaryRelease(), 'spec.progressDeadlineSeconds', 0),
    'spec.progressDeadlineSeconds',
  ],
];

// Hostile and careless manifests (beyond test/api's schema table): names the operator derives children
// from, sizes and label values, references across objects and namespaces, analysis addresses, control
// requests. Each case is applied in its own namespace and ends either in an admission error that names
// the problem, or in a status condition (reason and message) on the object the case names.
export type Doc = Record<string, unknown>;

export type Expected =
  | { admission: RegExp }
  | { object: string; condition: string; status?: 'True' | 'False'; reason: string; message?: RegExp }
  /** status.message of the object (a release paused on a failing analysis says why there). */
  | { object: string; statusMessage: RegExp };

export interface HostileCase {
  name: string;
  docs: (ns: string) => Doc[];
  /** Applied once army `a` is Ready (a release needs a running stable version to start). */
  afterReady?: (ns: string) => Doc[];
  expect: Expected;
}

const API = 'agentarmy.dev/v1alpha1';
export const version = (name: string, extra: Doc = {}, agent = 'orchestrator', semver = '1.0.0'): Doc => ({
  apiVersion: API,
  kind: 'AgentVersion',
  metadata: { name },
  spec: {
    agent,
    version: semver,
    image: 'agent-army/agent-runtime:0.1.0',
    model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
    systemPrompt: 'You are helpful.',
    ...extra,
  },
});
const army = (name: string, agents: Doc[], spec: Doc = {}): Doc => ({
  apiVersion: API,
  kind: 'AgentArmy',
  metadata: { name },
  spec: { agents, ...spec },
});
const agent = (extra: Doc = {}): Doc => ({ name: 'orchestrator', version: 'v1', replicas: 1, ...extra });
const canary = (release = 'rel', extra: Doc = {}) =>
  agent({ strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: release } } }, ...extra });
const release = (name: string, spec: Doc = {}, armyName = 'a'): Doc => ({
  apiVersion: API,
  kind: 'CanaryRelease',
  metadata: { name },
  spec: {
    targetRef: { army: armyName, agent: 'orchestrator' },
    steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 100 }],
    analysis: {
      provider: { prometheus: { address: 'http://prometheus.monitoring:9090' } },
      maxErrorRate: 0.05,
    },
    ...spec,
  },
});
const analysisAt = (address: string, extra: Doc = {}) => ({
  steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 100 }],
  analysis: {
    provider: { prometheus: { address, timeout: '5s', ...extra } },
    interval: '1s',
    maxErrorRate: 0.05,
  },
});
const cond = (
  object: string,
  condition: string,
  reason: string,
  message?: RegExp,
  status: 'True' | 'False' = 'True',
) => ({ object, condition, status, reason, ...(message ? { message } : {}) }) as Expected;
const degraded = (reason: string, message?: RegExp) => cond('agentarmy/a', 'Degraded', reason, message);
const armyOk =
  (agents: Doc[], spec: Doc = {}) =>
  (_ns: string) => [version('v1'), army('a', agents, spec)];

/** A canary at v1 (Ready), then asked for v2 with a release analysing at `address()`. */
const analysing = (address: () => string) => ({
  docs: () => [
    version('v1'),
    version('v2', {}, 'orchestrator', '1.1.0'),
    release('rel', analysisAt(address())),
    army('a', [canary('rel')]),
  ],
  afterReady: () => [army('a', [canary('rel', { version: 'v2' })])],
});
const paused = (message: RegExp): Expected => ({ object: 'canaryrelease/rel', statusMessage: message });

/** Addresses of local test servers (set by the test before the table runs). */
export const servers = { redirect: '', huge: '', disallowed: 'http://203.0.113.7:9090' };

export const hostileCases: HostileCase[] = [
  // Names the operator builds children from.
  {
    name: 'army name with a dot (not a Service name)',
    docs: () => [army('team.a', [agent()])],
    expect: { admission: /DNS-1035 label/ },
  },
  {
    name: 'army name starting with a digit',
    docs: () => [army('1a', [agent()])],
    expect: { admission: /DNS-1035 label/ },
  },
  {
    name: 'army and agent names too long for <army>-<agent>-preview',
    docs: () => [army('a'.repeat(40), [agent({ name: 'b'.repeat(20) })])],
    expect: { admission: /at most 54 characters/ },
  },
  {
    name: 'army name of 63 characters',
    docs: () => [army(`a${'b'.repeat(62)}`, [agent()])],
    expect: { admission: /at most 54 characters/ },
  },
  {
    name: 'agent name with upper case',
    docs: () => [army('a', [agent({ name: 'Orchestrator' })])],
    expect: { admission: /spec.agents\[0\].name/ },
  },
  {
    name: 'two agents with one name',
    docs: () => [army('a', [agent(), agent()])],
    expect: { admission: /Duplicate value/ },
  },
  {
    name: 'thirty-three agents',
    docs: () => [
      army(
        'a',
        Array.from({ length: 33 }, (_, i) => agent({ name: `x${i}` })),
      ),
    ],
    expect: { admission: /spec.agents: Too many/ },
  },
  // Pod settings the apiserver refuses on the Deployment (the operator cannot know): the army says so.
  {
    name: 'requests above limits',
    docs: armyOk([agent({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })]),
    expect: degraded('ApplyRefused', /must be less than or equal to cpu limit/),
  },
  {
    name: 'a nodeSelector value that is not a label value',
    docs: armyOk([agent()], { defaults: { podTemplate: { nodeSelector: { zone: 'has space' } } } }),
    expect: degraded('ApplyRefused', /nodeSelector/),
  },
  {
    name: 'a pod label value that is not a label value',
    docs: armyOk([agent()], { defaults: { podTemplate: { labels: { team: 'a b' } } } }),
    expect: degraded('ApplyRefused', /labels/),
  },
  {
    name: 'pod annotations over the 256 KiB limit',
    docs: armyOk([agent()], {
      defaults: {
        podTemplate: {
          annotations: Object.fromEntries(
            Array.from({ length: 70 }, (_, i) => [`team.io/k${i}`, 'x'.repeat(4000)]),
          ),
        },
      },
    }),
    // kubectl apply keeps a copy in the army's own annotations: the apiserver refuses the army itself.
    expect: { admission: /annotations: Too long/ },
  },
  {
    name: 'a toleration key that is not a qualified name',
    docs: armyOk([agent()], {
      defaults: { podTemplate: { tolerations: [{ key: 'bad key!', operator: 'Exists' }] } },
    }),
    expect: degraded('ApplyRefused', /tolerations/),
  },
  {
    name: 'a priorityClassName that does not exist (pods are never made)',
    docs: armyOk([agent({ progressDeadlineSeconds: 10 })], {
      defaults: { podTemplate: { priorityClassName: 'no-such-class' } },
    }),
    expect: degraded('ProgressDeadlineExceeded', /made no progress within 10 s/),
  },
  {
    name: 'a serviceAccountName that does not exist (pods are never made)',
    docs: armyOk([agent({ progressDeadlineSeconds: 10 })], { serviceAccountName: 'nobody' }),
    expect: degraded('ProgressDeadlineExceeded'),
  },
  {
    name: 'a progress deadline below 10 s',
    docs: armyOk([agent({ progressDeadlineSeconds: 1 })]),
    expect: { admission: /progressDeadlineSeconds/ },
  },
  // References between objects.
  {
    name: 'a version that does not exist',
    docs: () => [army('a', [agent({ version: 'nope' })])],
    expect: degraded('VersionNotFound', /AgentVersion nope not found/),
  },
  {
    name: "another agent's version",
    docs: () => [version('v1', {}, 'researcher'), army('a', [agent()])],
    expect: degraded('AgentMismatch', /version of agent "researcher"/),
  },
  {
    name: 'a version whose Secret is missing',
    docs: () => [
      version('v1', { model: { name: 'm', apiKeySecretRef: { name: 'gone', key: 'k' } } }),
      army('a', [agent()]),
    ],
    expect: degraded('VersionNotReady', /Secret gone/),
  },
  {
    name: 'a version whose Secret lacks the key',
    docs: () => [version('v1', { model: { name: 'm', apiKeySecretRef: { name: 'llm', key: 'other' } } })],
    expect: cond('agentversion/v1', 'Ready', 'ReferenceNotFound', /has no key "other"/, 'False'),
  },
  {
    name: 'a promptRef ConfigMap that is missing',
    docs: () => [version('v1', { systemPrompt: undefined, promptRef: { name: 'prompts', key: 'p' } })],
    expect: cond('agentversion/v1', 'Ready', 'ReferenceNotFound', /ConfigMap prompts/, 'False'),
  },
  {
    name: 'a promptRef key that is missing',
    docs: (ns) => [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'prompts', namespace: ns },
        data: { other: 'x' },
      },
      version('v1', { systemPrompt: undefined, promptRef: { name: 'prompts', key: 'p' } }),
    ],
    expect: cond('agentversion/v1', 'Ready', 'ReferenceNotFound', /no key "p"/, 'False'),
  },
  {
    name: 'a canary agent whose release does not exist',
    docs: () => [version('v1'), army('a', [canary('rel')])],
    expect: degraded('ReleaseNotFound'),
  },
  {
    name: 'a release for an army that does not exist',
    docs: () => [release('rel', {}, 'ghost')],
    expect: cond('canaryrelease/rel', 'Ready', 'TargetNotFound', /ghost/, 'False'),
  },
  {
    name: 'a release for an agent that is not a canary',
    docs: () => [version('v1'), army('a', [agent()]), release('rel')],
    expect: cond('canaryrelease/rel', 'Ready', 'TargetNotFound', undefined, 'False'),
  },
  {
    name: 'a release the army does not name',
    docs: () => [version('v1'), army('a', [canary('other')]), release('other'), release('rel')],
    expect: cond('canaryrelease/rel', 'Ready', 'TargetNotFound', undefined, 'False'),
  },
  {
    name: "a release naming another army's agent",
    // The army is created first and waits for its release; the release's arrival wakes it.
    docs: () => [version('v1'), army('a', [canary('rel')]), release('rel', {}, 'b')],
    expect: degraded('ReleaseMismatch', /targets b\/orchestrator/),
  },
  {
    name: 'an HTTPRoute that does not exist',
    docs: () => [
      version('v1'),
      army('a', [canary('rel')]),
      release('rel', { trafficRouting: { gatewayAPI: { httpRoute: 'missing' } } }),
    ],
    expect: cond('canaryrelease/rel', 'Ready', 'HTTPRouteNotFound', /missing/, 'False'),
  },
  {
    name: "another namespace's HTTPRoute",
    docs: () => [
      version('v1'),
      army('a', [canary('rel')]),
      release('rel', { trafficRouting: { gatewayAPI: { httpRoute: 'shop', namespace: 'kube-system' } } }),
    ],
    expect: cond(
      'canaryrelease/rel',
      'Ready',
      'CrossNamespaceRouteRefused',
      /may weight only HTTPRoutes in its own namespace/,
      'False',
    ),
  },
  {
    name: 'an upgrade that breaks',
    docs: () => [
      version('v1'),
      version('v2', { breakingChanges: ['tool renamed'] }, 'orchestrator', '2.0.0'),
      army('a', [agent()]),
    ],
    afterReady: () => [army('a', [agent({ version: 'v2' })])],
    expect: cond('agentarmy/a', 'UpgradeBlocked', 'UpgradeBlocked', /tool renamed/),
  },
  {
    name: 'replicas above the maximum',
    docs: () => [army('a', [agent({ replicas: 1001 })])],
    expect: { admission: /spec.agents\[0\].replicas/ },
  },
  // Analysis settings and addresses.
  {
    name: 'a query timeout of five minutes',
    docs: () => [release('rel', analysisAt('http://prom:9090', { timeout: '5m' }))],
    expect: { admission: /timeout must be at most 60s/ },
  },
  {
    name: 'an analysis address outside the allowlist',
    ...analysing(() => servers.disallowed),
    expect: paused(/not among the metrics addresses the cluster admin allows/),
  },
  {
    name: 'an analysis address with credentials',
    ...analysing(() => 'http://user:pw@prom:9090'),
    expect: paused(/must not contain credentials/),
  },
  {
    name: 'an analysis address that redirects',
    ...analysing(() => servers.redirect),
    expect: paused(/redirects are not followed/),
  },
  {
    name: 'an analysis answer of several megabytes',
    ...analysing(() => servers.huge),
    expect: paused(/byte limit/),
  },
  {
    name: 'an analysis interval that is not a duration',
    docs: () => [
      release('rel', {
        analysis: {
          provider: { prometheus: { address: 'http://p:9090' } },
          interval: 'soon',
          maxErrorRate: 0.05,
        },
      }),
    ],
    expect: { admission: /spec.analysis.interval/ },
  },
  {
    name: 'an analysis address that is not http',
    docs: () => [release('rel', analysisAt('file:///etc/passwd'))],
    expect: { admission: /spec.analysis.provider.prometheus.address/ },
  },
  {
    name: 'a metric query of 100 KiB',
    docs: () => [
      release('rel', {
        analysis: {
          provider: { prometheus: { address: 'http://p:9090' } },
          metrics: [{ name: 'm', query: 'x'.repeat(100_000), condition: { max: 1 } }],
        },
      }),
    ],
    expect: { admission: /query: Too long/ },
  },
  // Control requests.
  {
    name: 'a Secret reference into another namespace',
    docs: () => [
      version('v1', {
        model: { name: 'm', apiKeySecretRef: { name: 'llm', key: 'api-key', namespace: 'kube-system' } },
      }),
    ],
    expect: { admission: /unknown field "spec.model.apiKeySecretRef.namespace"/ },
  },
  {
    name: 'an AgentVersion spec changed after creation',
    docs: () => [version('v1'), version('v1', { image: 'other:2' })],
    expect: { admission: /immutable/ },
  },
  {
    name: 'a semantic version with a leading v',
    docs: () => [version('v1', {}, 'orchestrator', 'v1.0.0')],
    expect: { admission: /spec.version/ },
  },
  {
    name: 'a tool URL pointing at a file',
    docs: () => [version('v1', { tools: [{ name: 't', url: 'file:///etc/shadow' }] })],
    expect: { admission: /spec.tools\[0\].url/ },
  },
  {
    name: 'an env var named like an invalid C identifier',
    docs: armyOk([agent({ env: [{ name: '1BAD', value: 'x' }] })]),
    expect: { admission: /spec.agents\[0\].env\[0\].name/ },
  },
];

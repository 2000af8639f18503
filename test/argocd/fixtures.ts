// Status fixtures for the Argo CD health table: objects shaped like what the API server returns for each
// kind, with the status the operator writes (see operator/src/api/v1alpha1).
export type Fixture = Record<string, unknown>;

const t = '2025-01-01T00:00:00Z';

export function cond(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message = '') {
  return { type, status, reason, message, lastTransitionTime: t, observedGeneration: 2 };
}

function obj(kind: string, status: Fixture | undefined, generation = 2): Fixture {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind,
    metadata: { name: 'support', namespace: 'team-a', generation },
    spec: {},
    ...(status ? { status } : {}),
  };
}

export const army = (status?: Fixture, generation?: number) => obj('AgentArmy', status, generation);
export const version = (status?: Fixture, generation?: number) => obj('AgentVersion', status, generation);
export const canary = (status?: Fixture, generation?: number) => obj('CanaryRelease', status, generation);

const readyArmy = [
  cond('Ready', 'True', 'AllAgentsReady', '2 agents ready'),
  cond('Progressing', 'False', 'RolloutComplete', 'all agents at their desired version'),
  cond('Degraded', 'False', 'AsExpected', 'all agents as expected'),
];

export interface HealthCase {
  name: string;
  kind: 'AgentArmy' | 'AgentVersion' | 'CanaryRelease';
  obj: Fixture | undefined;
  status: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing';
  message: string | RegExp;
}

export const healthCases: HealthCase[] = [
  // AgentArmy
  { name: 'absent object', kind: 'AgentArmy', obj: undefined, status: 'Missing', message: /not found/ },
  {
    name: 'no status yet',
    kind: 'AgentArmy',
    obj: army(),
    status: 'Progressing',
    message: 'Waiting for the operator to observe generation 2',
  },
  {
    name: 'status of an older generation, even if Ready',
    kind: 'AgentArmy',
    obj: army({ observedGeneration: 1, phase: 'Ready', conditions: readyArmy }),
    status: 'Progressing',
    message: 'Waiting for the operator to observe generation 2',
  },
  {
    name: 'all agents ready',
    kind: 'AgentArmy',
    obj: army({ observedGeneration: 2, phase: 'Ready', ready: '2/2', conditions: readyArmy }),
    status: 'Healthy',
    message: 'AllAgentsReady: 2 agents ready',
  },
  {
    name: 'rolling out',
    kind: 'AgentArmy',
    obj: army({
      observedGeneration: 2,
      phase: 'Progressing',
      conditions: [
        cond('Ready', 'False', 'AgentsNotReady', '1/2 agents ready'),
        cond('Progressing', 'True', 'RollingOut', 'orchestrator: 1/2 pods updated'),
      ],
    }),
    status: 'Progressing',
    message: 'RollingOut: orchestrator: 1/2 pods updated',
  },
  {
    name: 'canary release paused for a human (a pause step)',
    kind: 'AgentArmy',
    obj: army({
      observedGeneration: 2,
      phase: 'Progressing',
      conditions: [
        cond('Ready', 'False', 'AgentsNotReady', 'orchestrator: canary orch-v2 at 10% (Paused)'),
        cond('Progressing', 'True', 'ReleasePaused', 'orchestrator: canary orch-v2 at 10% (Paused)'),
        cond('Degraded', 'False', 'AsExpected', 'all agents as expected'),
      ],
    }),
    status: 'Suspended',
    message: 'ReleasePaused: orchestrator: canary orch-v2 at 10% (Paused)',
  },
  {
    name: 'missing AgentVersion',
    kind: 'AgentArmy',
    obj: army({
      observedGeneration: 2,
      phase: 'Degraded',
      conditions: [
        cond('Ready', 'False', 'AgentsNotReady', '0/1'),
        cond(
          'Degraded',
          'True',
          'VersionNotFound',
          'spec.agents[name=rag].version: AgentVersion rag-v1 not found',
        ),
      ],
    }),
    status: 'Degraded',
    message: 'VersionNotFound: spec.agents[name=rag].version: AgentVersion rag-v1 not found',
  },
  {
    name: 'breaking upgrade blocked (Degraded wins over Progressing)',
    kind: 'AgentArmy',
    obj: army({
      observedGeneration: 2,
      phase: 'Degraded',
      conditions: [
        cond('Progressing', 'True', 'RollingOut', 'waiting'),
        cond('UpgradeBlocked', 'True', 'UpgradeBlocked', 'orchestrator: 1.1.0 → 2.0.0 has breaking changes'),
      ],
    }),
    status: 'Degraded',
    message: /^UpgradeBlocked: orchestrator: 1\.1\.0 → 2\.0\.0 has breaking changes$/,
  },
  {
    name: 'observed but no conditions yet',
    kind: 'AgentArmy',
    obj: army({ observedGeneration: 2, phase: 'Pending' }),
    status: 'Progressing',
    message: /phase Pending/,
  },
  // AgentVersion
  { name: 'absent object', kind: 'AgentVersion', obj: undefined, status: 'Missing', message: /not found/ },
  {
    name: 'references found',
    kind: 'AgentVersion',
    obj: version(
      {
        observedGeneration: 1,
        conditions: [cond('Ready', 'True', 'ReferencesFound', 'Secret llm has key api-key')],
      },
      1,
    ),
    status: 'Healthy',
    message: 'Secret llm has key api-key',
  },
  {
    name: 'API key Secret missing',
    kind: 'AgentVersion',
    obj: version(
      {
        observedGeneration: 1,
        conditions: [
          cond('Ready', 'False', 'ReferenceNotFound', 'spec.model.apiKeySecretRef: Secret llm not found'),
        ],
      },
      1,
    ),
    status: 'Degraded',
    message: 'ReferenceNotFound: spec.model.apiKeySecretRef: Secret llm not found',
  },
  {
    name: 'not observed yet',
    kind: 'AgentVersion',
    obj: version(undefined, 1),
    status: 'Progressing',
    message: 'Waiting for the operator to observe generation 1',
  },
  {
    name: 'observed, Ready Unknown',
    kind: 'AgentVersion',
    obj: version({ observedGeneration: 1, conditions: [cond('Ready', 'Unknown', 'Checking')] }, 1),
    status: 'Progressing',
    message: /Waiting for the operator/,
  },
  // CanaryRelease
  { name: 'absent object', kind: 'CanaryRelease', obj: undefined, status: 'Missing', message: /not found/ },
  {
    name: 'idle',
    kind: 'CanaryRelease',
    obj: canary({ observedGeneration: 2, phase: 'Idle', canaryWeight: 0 }),
    status: 'Healthy',
    message: 'No release in progress',
  },
  {
    name: 'progressing at a step',
    kind: 'CanaryRelease',
    obj: canary({
      observedGeneration: 2,
      phase: 'Progressing',
      currentStepIndex: 1,
      canaryWeight: 25,
      toVersion: 'orch-v2',
      fromVersion: 'orch-v1',
    }),
    status: 'Progressing',
    message: 'Step 2, 25% to orch-v2',
  },
  {
    name: 'paused for a human at a pause step',
    kind: 'CanaryRelease',
    obj: canary({
      observedGeneration: 2,
      phase: 'Paused',
      pauseReason: 'Step',
      canaryWeight: 50,
      toVersion: 'orch-v2',
      message: 'waiting for promote',
    }),
    status: 'Suspended',
    message: 'Paused (Step) at 50% to orch-v2: waiting for promote',
  },
  {
    name: 'paused on inconclusive analysis',
    kind: 'CanaryRelease',
    obj: canary({ observedGeneration: 2, phase: 'Paused', pauseReason: 'Inconclusive', canaryWeight: 10 }),
    status: 'Suspended',
    message: 'Paused (Inconclusive) at 10% to the canary',
  },
  {
    name: 'paused after a failure it may not roll back',
    kind: 'CanaryRelease',
    obj: canary({ observedGeneration: 2, phase: 'Paused', pauseReason: 'Failure', canaryWeight: 10 }),
    status: 'Degraded',
    message: /^Paused \(Failure\)/,
  },
  {
    name: 'promoted',
    kind: 'CanaryRelease',
    obj: canary({ observedGeneration: 2, phase: 'Promoted', canaryWeight: 0, toVersion: 'orch-v2' }),
    status: 'Healthy',
    message: 'Promoted orch-v2',
  },
  {
    name: 'rolled back',
    kind: 'CanaryRelease',
    obj: canary({
      observedGeneration: 2,
      phase: 'RolledBack',
      toVersion: 'orch-v2',
      fromVersion: 'orch-v1',
      message: 'analysis error-rate failed: 0.12 > 0.05',
    }),
    status: 'Degraded',
    message: 'Rolled back orch-v2 to orch-v1: analysis error-rate failed: 0.12 > 0.05',
  },
  {
    name: 'failed',
    kind: 'CanaryRelease',
    obj: canary({ observedGeneration: 2, phase: 'Failed', message: 'AgentVersion orch-v2 not found' }),
    status: 'Degraded',
    message: 'Failed: AgentVersion orch-v2 not found',
  },
  {
    name: 'spec changed since the last status (a new version to release)',
    kind: 'CanaryRelease',
    obj: canary({ observedGeneration: 1, phase: 'Promoted' }, 2),
    status: 'Progressing',
    message: 'Waiting for the operator to observe generation 2',
  },
];

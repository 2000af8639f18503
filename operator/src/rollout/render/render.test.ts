import type { V1Deployment, V1EnvVar } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../api/v1alpha1/index.js';
import { version } from '../fixtures.test-util.js';
import {
  CONFIG_FILE_KEY,
  cachedVersionConfig,
  configHash,
  renderAgentConfig,
  renderAgentFile,
  renderVersionConfigMap,
  versionConfigName,
} from './render-config.js';
import { renderDeployment, renderEnv } from './render-deployment.js';
import { renderHpa, renderPdb, renderService } from './render-service.js';

const ref = { army: 'support', agent: 'orchestrator' };
const av = version('orchestrator-v1-0-0', '1.0.0', {
  model: {
    name: 'gpt-4o-mini',
    baseURL: 'http://llm.internal:8000/v1',
    apiKeySecretRef: { name: 'llm', key: 'api-key' },
    timeoutSeconds: 20,
  },
  env: [{ name: 'FEATURE', value: 'from-version' }],
});
const agent = Agent.parse({ name: 'orchestrator', version: 'orchestrator-v1-0-0', replicas: 3 });

function deployment(overrides: Partial<Parameters<typeof renderDeployment>[0]> = {}): V1Deployment {
  return renderDeployment({
    namespace: 'team',
    ref,
    track: 'stable',
    av,
    agent,
    defaults: undefined,
    serviceAccountName: undefined,
    config: { name: 'orchestrator-v1-0-0-agent-config', hash: 'abc' },
    replicas: 3,
    ...overrides,
  });
}
const envOf = (env: V1EnvVar[], name: string) => env.find((e) => e.name === name);

describe('renderDeployment', () => {
  const dep = deployment();
  const pod = dep.spec?.template.spec;
  const container = pod?.containers[0];

  it.each([
    ['app.kubernetes.io/name', 'orchestrator'],
    ['app.kubernetes.io/instance', 'support-orchestrator'],
    ['app.kubernetes.io/version', '1.0.0'],
    ['app.kubernetes.io/component', 'agent'],
    ['app.kubernetes.io/part-of', 'support'],
    ['app.kubernetes.io/managed-by', 'agent-army'],
    ['agentarmy.dev/army', 'support'],
    ['agentarmy.dev/agent', 'orchestrator'],
    ['agentarmy.dev/version', '1.0.0'],
    ['agentarmy.dev/track', 'stable'],
  ])('labels the pod template %s=%s', (key, value) => {
    expect(dep.spec?.template.metadata?.labels?.[key]).toBe(value);
  });

  it('selects by army, agent and track only (the selector is immutable, versions change)', () => {
    expect(dep.spec?.selector.matchLabels).toEqual({
      'agentarmy.dev/army': 'support',
      'agentarmy.dev/agent': 'orchestrator',
      'agentarmy.dev/track': 'stable',
    });
  });

  it('hardens the pod: non-root, read-only root fs, no privilege escalation, all capabilities dropped', () => {
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod?.automountServiceAccountToken).toBe(false);
  });

  it.each([
    ['livenessProbe', '/livez'],
    ['readinessProbe', '/readyz'],
    ['startupProbe', '/readyz'],
  ] as const)('probes %s on %s', (probe, path) => {
    expect(container?.[probe]?.httpGet?.path).toBe(path);
  });

  it('mounts the API key only as a secretKeyRef, never as a literal', () => {
    const key = envOf(container?.env ?? [], 'OPENAI_API_KEY');
    expect(key?.value).toBeUndefined();
    expect(key?.valueFrom?.secretKeyRef).toEqual({ name: 'llm', key: 'api-key' });
  });

  it.each([
    ['AGENT_NAME', 'orchestrator'],
    ['AGENT_VERSION', '1.0.0'],
    ['AGENT_TRACK', 'stable'],
    ['MODEL_NAME', 'gpt-4o-mini'],
    ['MODEL_BASE_URL', 'http://llm.internal:8000/v1'],
    ['MODEL_TIMEOUT_SECONDS', '20'],
    ['AGENT_CONFIG_FILE', '/etc/agent/agent.yaml'],
    ['PORT', '8080'],
    ['FEATURE', 'from-version'],
  ])('sets env %s=%s for agent-runtime', (name, value) => {
    expect(envOf(container?.env ?? [], name)?.value).toBe(value);
  });

  it('annotates the pod for Prometheus scraping and with the config hash', () => {
    expect(dep.spec?.template.metadata?.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8080',
      'agentarmy.dev/config-hash': 'abc',
      'agentarmy.dev/agent-version': 'orchestrator-v1-0-0',
    });
  });

  it("mounts the version's config ConfigMap read-only where AGENT_CONFIG_FILE points", () => {
    expect(pod?.volumes?.find((v) => v.name === 'agent-config')?.configMap?.name).toBe(
      'orchestrator-v1-0-0-agent-config',
    );
    expect(container?.volumeMounts?.find((m) => m.name === 'agent-config')).toMatchObject({
      mountPath: '/etc/agent',
      readOnly: true,
    });
  });

  it('leaves replicas to the HPA when autoscaling (no replicas field)', () => {
    expect(deployment({ replicas: undefined }).spec).not.toHaveProperty('replicas');
    expect(dep.spec?.replicas).toBe(3);
  });

  it('uses the most specific resources: agent over version over defaults over built-in', () => {
    const own = { requests: { cpu: '1' } };
    expect(container?.resources?.requests).toEqual({ cpu: '100m', memory: '128Mi' });
    const withDefaults = deployment({ defaults: { resources: { requests: { cpu: '250m' } } } });
    expect(withDefaults.spec?.template.spec?.containers[0]?.resources).toEqual({ requests: { cpu: '250m' } });
    const withAgent = deployment({ agent: Agent.parse({ ...agent, resources: own }) });
    expect(withAgent.spec?.template.spec?.containers[0]?.resources).toEqual(own);
  });
});

describe('renderEnv precedence', () => {
  it('lets the agent entry override the version and defaults, but never the operator-owned variables', () => {
    const env = renderEnv({
      ref,
      track: 'canary',
      av,
      defaults: {
        env: [
          { name: 'FEATURE', value: 'default' },
          { name: 'ONLY_DEFAULT', value: 'd' },
        ],
      },
      agent: Agent.parse({
        ...agent,
        env: [
          { name: 'FEATURE', value: 'from-agent' },
          { name: 'MODEL_NAME', value: 'hijack' },
          { name: 'OPENAI_API_KEY', value: 'sk-literal' },
        ],
      }),
    });
    expect(envOf(env, 'FEATURE')?.value).toBe('from-agent');
    expect(envOf(env, 'ONLY_DEFAULT')?.value).toBe('d');
    expect(envOf(env, 'MODEL_NAME')?.value).toBe('gpt-4o-mini');
    expect(envOf(env, 'OPENAI_API_KEY')?.value).toBeUndefined();
    expect(envOf(env, 'AGENT_TRACK')?.value).toBe('canary');
    expect(env.filter((e) => e.name === 'FEATURE')).toHaveLength(1);
  });
});

describe('agent config and its hash', () => {
  it('changes the hash when the prompt, tools or params change, and only then', () => {
    const base = renderAgentFile(av, 'be brief');
    expect(configHash(renderAgentFile(av, 'be brief'))).toBe(configHash(base));
    expect(configHash(renderAgentFile(av, 'be verbose'))).not.toBe(configHash(base));
    const withTool = version('x', '1.0.0', { tools: [{ name: 'search', url: 'http://search.tools/run' }] });
    expect(configHash(renderAgentFile(withTool, 'be brief'))).not.toBe(configHash(base));
    const hotter = version('x', '1.0.0', {
      model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'llm', key: 'k' }, temperature: 0.9 },
    });
    expect(configHash(renderAgentFile(hotter, 'be brief'))).not.toBe(configHash(base));
  });
});

describe("an AgentVersion's config ConfigMap", () => {
  it('holds the agent file under agent.yaml, with its hash, version name and recommended labels', () => {
    const { file, hash } = renderAgentConfig(av, 'be brief');
    const cm = renderVersionConfigMap({ av, agentFile: file, hash });
    expect(cm.metadata).toMatchObject({
      name: 'orchestrator-v1-0-0-agent-config',
      namespace: 'team',
      labels: {
        'app.kubernetes.io/name': 'orchestrator',
        'app.kubernetes.io/version': '1.0.0',
        'app.kubernetes.io/component': 'agent-config',
        'app.kubernetes.io/managed-by': 'agent-army',
      },
      annotations: {
        'agentarmy.dev/agent-version': 'orchestrator-v1-0-0',
        'agentarmy.dev/config-hash': hash,
      },
    });
    expect(cm.data).toEqual({ [CONFIG_FILE_KEY]: file });
    // No army label: it belongs to the version, so no army's prune selector can take it.
    expect(cm.metadata?.labels).not.toHaveProperty('agentarmy.dev/army');
  });

  it.each([
    ['a short name gets the suffix', 'writer-1-2-0', 'writer-1-2-0-agent-config'],
    ['a 240-character name still fits whole', 'a'.repeat(240), `${'a'.repeat(240)}-agent-config`],
  ])('names it <version>-agent-config: %s', (_case, name, expected) => {
    expect(versionConfigName(name)).toBe(expected);
  });

  it('cuts a name too long for the suffix and tells such names apart by a hash, within 253 characters', () => {
    const a = versionConfigName(`${'a'.repeat(250)}-x`);
    const b = versionConfigName(`${'a'.repeat(250)}-y`);
    expect(a.length).toBeLessThanOrEqual(253);
    expect(a).toMatch(/^a+-[0-9a-f]{16}-agent-config$/);
    expect(a).not.toBe(b);
  });

  const owned = (uid: string, hash?: string) => ({
    metadata: {
      name: 'orchestrator-v1-0-0-agent-config',
      ownerReferences: [
        {
          apiVersion: 'agentarmy.dev/v1alpha1',
          kind: 'AgentVersion',
          name: 'orchestrator-v1-0-0',
          uid,
          controller: true,
        },
      ],
      ...(hash ? { annotations: { 'agentarmy.dev/config-hash': hash } } : {}),
    },
  });
  const withUid = { ...av, metadata: { ...av.metadata, uid: 'av-uid' } };
  it.each([
    [
      'the version owns it and it has a hash',
      owned('av-uid', 'h1'),
      { name: 'orchestrator-v1-0-0-agent-config', hash: 'h1' },
    ],
    ['it is missing', undefined, undefined],
    ['an earlier version of that name owns it (another uid)', owned('old-uid', 'h1'), undefined],
    ['it has no hash annotation', owned('av-uid'), undefined],
    [
      'nothing owns it',
      { metadata: { name: 'x', annotations: { 'agentarmy.dev/config-hash': 'h1' } } },
      undefined,
    ],
  ])('is mounted only when %s', (_case, cm, expected) => {
    expect(cachedVersionConfig(withUid, cm)).toEqual(expected);
  });
});

describe('Service, HPA and PDB', () => {
  it('routes the Service to every pod of the agent on the named http port', () => {
    const svc = renderService({ namespace: 'team', ref });
    expect(svc.spec?.selector).toEqual({
      'agentarmy.dev/army': 'support',
      'agentarmy.dev/agent': 'orchestrator',
    });
    expect(svc.spec?.ports?.[0]).toMatchObject({ port: 80, targetPort: 'http' });
  });

  it('scales on CPU and memory with the stabilization windows', () => {
    const hpa = renderHpa({
      namespace: 'team',
      ref,
      track: 'stable',
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 10,
        targetCPUUtilization: 70,
        targetMemoryUtilization: 80,
        scaleUpStabilizationSeconds: 0,
        scaleDownStabilizationSeconds: 300,
      },
    });
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(hpa.spec?.scaleTargetRef.name).toBe('support-orchestrator');
    expect(hpa.spec?.metrics?.map((m) => [m.resource?.name, m.resource?.target.averageUtilization])).toEqual([
      ['cpu', 70],
      ['memory', 80],
    ]);
    expect(hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(300);
    expect(hpa.spec?.behavior?.scaleUp?.policies).toBeUndefined();
  });

  it('carries scale rate limits to the HPA behavior, and targets the active color of a blue-green agent', () => {
    const hpa = renderHpa({
      namespace: 'team',
      ref,
      track: 'green',
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 10,
        targetCPUUtilization: 70,
        targetMemoryUtilization: 80,
        scaleUpStabilizationSeconds: 30,
        scaleDownStabilizationSeconds: 600,
        scaleUpPolicies: [{ type: 'Pods', value: 4, periodSeconds: 60 }],
        scaleDownPolicies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
      },
    });
    expect(hpa.metadata?.name).toBe('support-orchestrator');
    expect(hpa.spec?.scaleTargetRef.name).toBe('support-orchestrator-green');
    expect(hpa.spec?.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 30,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 600,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
      },
    });
  });

  it.each([
    [0, false],
    [1, false],
    [2, true],
    [5, true],
  ])('renders a PDB for %i minimum replicas: %s', (minReplicas, expected) => {
    expect(renderPdb({ namespace: 'team', ref, minReplicas }) !== undefined).toBe(expected);
  });
});

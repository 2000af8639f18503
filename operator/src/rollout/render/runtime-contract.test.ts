// The contract between the operator and agent-runtime: what the operator renders into the ConfigMap and
// the Deployment env is exactly what the runtime accepts at start.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgentFile } from '../../../../agent-runtime/src/agent-config-file.js';
import { ENV, loadConfig, parseEnv } from '../../../../agent-runtime/src/config.js';
import { Agent } from '../../api/v1alpha1/index.js';
import { version } from '../fixtures.test-util.js';
import { ANNOTATION } from '../labels.js';
import { renderAgentFile } from './render-config.js';
import {
  AGENT_UID,
  DRAIN_TIMEOUT_SECONDS,
  POD_INFO_MOUNT_PATH,
  PRE_STOP_SLEEP_SECONDS,
  renderDeployment,
  renderEnv,
  SHADOW_HTTP_PORT,
  TRAFFIC_FILE_KEY,
} from './render-deployment.js';

const av = version('orch-v1', '1.0.0', {
  model: {
    name: 'gpt-4o-mini',
    baseURL: 'http://127.0.0.1:9000/v1',
    apiKeySecretRef: { name: 'llm', key: 'api-key' },
    temperature: 0.2,
    maxTokens: 256,
  },
  tools: [
    { name: 'search', description: 'Web search', url: 'http://search.tools:8080/run', timeoutSeconds: 5 },
  ],
});

describe('operator → agent-runtime contract', () => {
  it('renders an agent file the runtime parses, with prompt, tools and params intact', () => {
    const file = parseAgentFile(renderAgentFile(av, 'You are helpful.'), 'rendered');
    expect(file.prompt).toBe('You are helpful.');
    expect(file.tools).toEqual([
      {
        name: 'search',
        description: 'Web search',
        protocol: 'http',
        url: 'http://search.tools:8080/run',
        timeoutSeconds: 5,
        retries: 2,
        sideEffects: false,
      },
    ]);
    expect(file.params).toEqual({ temperature: 0.2, maxTokens: 256 });
    expect(file.maxSteps).toBe(8);
    expect(file.judge).toBeUndefined();
  });

  it('renders the tool loop and the judge as the runtime reads them: retries, side effects, max steps, judge', () => {
    const looped = version('orch-v2', '2.0.0', {
      model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      tools: [
        { name: 'lookup', url: 'http://tools:8080/lookup' },
        { name: 'refund', protocol: 'mcp', url: 'http://mcp:8080/mcp', sideEffects: true, retries: 1 },
      ],
      maxSteps: 5,
      judge: { model: 'gpt-4o', rubric: 'Answers the question asked.', sampleRate: 0.25 },
    });
    const file = parseAgentFile(renderAgentFile(looped, 'Hi.'), 'rendered');
    expect(file.maxSteps).toBe(5);
    expect(file.tools.map((t) => [t.name, t.protocol, t.sideEffects, t.retries])).toEqual([
      ['lookup', 'http', false, 2],
      ['refund', 'mcp', true, 1],
    ]);
    expect(file.judge).toEqual({
      model: 'gpt-4o',
      rubric: 'Answers the question asked.',
      sampleRate: 0.25,
      passScore: 0.7,
      maxConcurrency: 2,
      queueSize: 100,
      maxPerMinute: 60,
      timeoutSeconds: 30,
    });
  });

  it('renders only env names the runtime knows for its own settings, and they validate', () => {
    const env = renderEnv({
      ref: { army: 'support', agent: 'orchestrator' },
      track: 'canary',
      av,
      agent: Agent.parse({
        name: 'orchestrator',
        version: 'orch-v1',
        invokeTokenSecretRef: { name: 'callers', key: 'token' },
      }),
      defaults: undefined,
    });
    expect(env.find((e) => e.name === 'INVOKE_TOKEN')?.valueFrom?.secretKeyRef).toEqual({
      name: 'callers',
      key: 'token',
    });
    const known = new Set<string>(Object.values(ENV));
    const literal: Record<string, string> = {};
    for (const e of env) {
      expect(known.has(e.name), `${e.name} is a runtime variable`).toBe(true);
      if (e.value !== undefined) literal[e.name] = e.value;
    }
    // Values from secretKeyRef / fieldRef are filled in by the kubelet; supply them as it would.
    const parsed = parseEnv({ ...literal, OPENAI_API_KEY: 'sk-test', POD_NAMESPACE: 'team' });
    expect(parsed.AGENT_TRACK).toBe('canary');
    expect(parsed.MODEL_BASE_URL).toBe('http://127.0.0.1:9000/v1');
  });

  it('runs the pod as the numeric user the runtime image declares (the kubelet verifies runAsNonRoot only for a numeric USER)', () => {
    const dockerfile = readFileSync(new URL('../../../../agent-runtime/Dockerfile', import.meta.url), 'utf8');
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) expect(user).toBe(`${AGENT_UID}:${AGENT_UID}`);
    const dep = renderDeployment({
      namespace: 'team',
      ref: { army: 'support', agent: 'orchestrator' },
      track: 'stable',
      av,
      agent: Agent.parse({ name: 'orchestrator', version: 'orch-v1' }),
      defaults: undefined,
      serviceAccountName: undefined,
      config: { name: 'orch-v1-agent-config', hash: 'h' },
      replicas: 1,
    });
    expect(dep.spec?.template.spec?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: AGENT_UID,
      runAsGroup: AGENT_UID,
    });
  });

  it("gives the pod time for the preStop sleep and the runtime's default drain before it is killed", () => {
    const drainMs = loadConfig({
      AGENT_NAME: 'a',
      AGENT_VERSION: '1.0.0',
      MODEL_NAME: 'm',
      OPENAI_API_KEY: 'sk-test',
    }).server.drainTimeoutMs;
    expect(drainMs).toBe(DRAIN_TIMEOUT_SECONDS * 1000);
    const dep = renderDeployment({
      namespace: 'team',
      ref: { army: 'support', agent: 'orchestrator' },
      track: 'stable',
      av,
      agent: Agent.parse({ name: 'orchestrator', version: 'orch-v1' }),
      defaults: undefined,
      serviceAccountName: undefined,
      config: { name: 'orch-v1-agent-config', hash: 'h' },
      replicas: 1,
    });
    const pod = dep.spec?.template.spec;
    expect(pod?.containers[0]?.lifecycle?.preStop?.sleep?.seconds).toBe(PRE_STOP_SLEEP_SECONDS);
    expect(pod?.terminationGracePeriodSeconds).toBeGreaterThan(
      PRE_STOP_SLEEP_SECONDS + DRAIN_TIMEOUT_SECONDS,
    );
  });

  it('tells only canary pods their traffic mode (TRAFFIC_MODE_FILE, the pod annotation) and gives them the shadow port', () => {
    const render = (track: 'stable' | 'canary') =>
      renderDeployment({
        namespace: 'team',
        ref: { army: 'support', agent: 'orchestrator' },
        track,
        av,
        agent: Agent.parse({ name: 'orchestrator', version: 'orch-v1' }),
        defaults: undefined,
        serviceAccountName: undefined,
        config: { name: 'orch-v1-agent-config', hash: 'h' },
        replicas: 1,
      }).spec?.template.spec;
    const canary = render('canary');
    // Mirrored copies land on a port of their own, which the runtime reads from SHADOW_PORT.
    const env = Object.fromEntries((canary?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(canary?.containers[0]?.ports).toContainEqual({
      name: 'shadow',
      containerPort: SHADOW_HTTP_PORT,
      protocol: 'TCP',
    });
    expect(env[ENV.shadowPort]).toBe(String(SHADOW_HTTP_PORT));
    const file = canary?.containers[0]?.env?.find((e) => e.name === ENV.trafficModeFile)?.value;
    expect(file).toBe(`${POD_INFO_MOUNT_PATH}/${TRAFFIC_FILE_KEY}`);
    expect(canary?.containers[0]?.volumeMounts).toContainEqual({
      name: 'pod-info',
      mountPath: POD_INFO_MOUNT_PATH,
      readOnly: true,
    });
    const volume = canary?.volumes?.find((v) => v.name === 'pod-info');
    expect(volume?.downwardAPI?.items).toEqual([
      { path: TRAFFIC_FILE_KEY, fieldRef: { fieldPath: `metadata.annotations['${ANNOTATION.traffic}']` } },
    ]);
    // The stable track is never mirrored to: its template (and so its pods) stays as before.
    const stable = render('stable');
    expect(stable?.containers[0]?.env?.some((e) => e.name === ENV.trafficModeFile)).toBe(false);
    expect(stable?.volumes?.some((v) => v.name === 'pod-info')).toBe(false);
    expect(stable?.containers[0]?.env?.some((e) => e.name === ENV.shadowPort)).toBe(false);
    expect(stable?.containers[0]?.ports?.map((p) => p.name)).toEqual(['http']);
  });
});

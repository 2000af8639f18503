import { describe, expect, it } from 'vitest';
import { Agent, EvaluationStep } from '../../api/v1alpha1/index.js';
import { version } from '../fixtures.test-util.js';
import { LABEL } from '../labels.js';
import { evaluationJobName, renderEvaluationJob } from './render-evaluation-job.js';

const ref = { army: 'support', agent: 'orchestrator' };
const canary = version('orch-v2', '2.0.0', {
  model: {
    name: 'gpt-4o-mini',
    baseURL: 'http://llm.internal:8000/v1',
    apiKeySecretRef: { name: 'llm', key: 'api-key' },
  },
  judge: { model: 'judge', rubric: 'Answers well.' },
});
const stable = version('orch-v1', '1.0.0');
const agent = Agent.parse({ name: 'orchestrator', version: 'orch-v2', replicas: 3 });
const step = EvaluationStep.parse({ dataset: { configMapRef: { name: 'golden' } }, timeout: '2m' });
const onRealNode = {
  podTemplate: {
    nodeSelector: { 'agentarmy.dev/node': 'real' },
    tolerations: [
      { key: 'agentarmy.dev/real-node', operator: 'Exists' as const, effect: 'NoSchedule' as const },
    ],
  },
};
const job = renderEvaluationJob({
  namespace: 'team',
  release: 'orchestrator',
  name: 'orchestrator-eval0-abc',
  ref,
  step,
  canary,
  stable,
  agent,
  defaults: onRealNode,
});
const pod = job.spec?.template.spec;
const [canarySidecar, stableSidecar] = pod?.initContainers ?? [];
const main = pod?.containers[0];
const env = (c: typeof main, name: string) => c?.env?.find((e) => e.name === name);

describe('evaluationJobName', () => {
  it('is the same for the same run and differs for another run or version', () => {
    const a = evaluationJobName('orch', 0, 'v2', '2026-12-03T08:00:00Z');
    expect(a).toBe(evaluationJobName('orch', 0, 'v2', '2026-12-03T08:00:00Z'));
    expect(a).not.toBe(evaluationJobName('orch', 0, 'v2', '2026-12-03T08:00:01Z'));
    expect(a).not.toBe(evaluationJobName('orch', 0, 'v3', '2026-12-03T08:00:00Z'));
    expect(a).toMatch(/^orch-eval0-[0-9a-f]{10}$/);
  });

  it('stays within 63 characters (a label value of its pod) for a long release name', () => {
    const name = evaluationJobName('r'.repeat(253), 31, 'v2', '2026-12-03T08:00:00Z');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('renderEvaluationJob', () => {
  it('runs once, within the step timeout, and is cleaned up after an hour', () => {
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 120,
      ttlSecondsAfterFinished: 3600,
    });
    expect(pod?.restartPolicy).toBe('Never');
  });

  it('runs both versions as native sidecars from their own images, canary on 8080, stable on 8081', () => {
    expect(canarySidecar).toMatchObject({
      name: 'canary',
      image: canary.spec.image,
      restartPolicy: 'Always',
    });
    expect(stableSidecar).toMatchObject({
      name: 'stable',
      image: stable.spec.image,
      restartPolicy: 'Always',
    });
    expect(env(canarySidecar, 'PORT')?.value).toBe('8080');
    expect(env(stableSidecar, 'PORT')?.value).toBe('8081');
    expect(env(stableSidecar, 'AGENT_VERSION')?.value).toBe('1.0.0');
    expect(pod?.volumes?.find((v) => v.name === 'stable-config')?.configMap?.name).toBe(
      'orch-v1-agent-config',
    );
  });

  it('runs evaluate from the canary image against localhost, with the dataset mounted as a file', () => {
    expect(main).toMatchObject({ name: 'evaluate', image: canary.spec.image });
    expect(main?.command).toEqual(['node', 'agent-runtime/dist/evaluate.js']);
    expect(env(main, 'CANARY_URL')?.value).toBe('http://127.0.0.1:8080');
    expect(env(main, 'STABLE_URL')?.value).toBe('http://127.0.0.1:8081');
    expect(env(main, 'DATASET_FILE')?.value).toBe('/etc/dataset/dataset.jsonl');
    expect(pod?.volumes?.find((v) => v.name === 'dataset')?.configMap).toEqual({
      name: 'golden',
      items: [{ key: 'dataset.jsonl', path: 'dataset.jsonl' }],
    });
  });

  it('gives the judge the canary model key only as a secretKeyRef, and its base URL', () => {
    for (const c of [main, canarySidecar, stableSidecar]) {
      const key = env(c, 'OPENAI_API_KEY');
      expect(key?.value).toBeUndefined();
      expect(key?.valueFrom?.secretKeyRef).toEqual({ name: 'llm', key: 'api-key' });
    }
    expect(env(main, 'MODEL_BASE_URL')?.value).toBe('http://llm.internal:8000/v1');
  });

  it('is hardened like the agent pods: numeric non-root user, read-only root, no capabilities, no token', () => {
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
    expect(pod?.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod?.automountServiceAccountToken).toBe(false);
    for (const c of [main, canarySidecar, stableSidecar]) {
      expect(c?.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it("carries no army/agent label, so no agent Service sends a user's request to it", () => {
    const labels = job.spec?.template.metadata?.labels ?? {};
    expect(labels[LABEL.army]).toBeUndefined();
    expect(labels[LABEL.agent]).toBeUndefined();
    expect(labels).toMatchObject({
      'app.kubernetes.io/component': 'evaluation',
      'agentarmy.dev/release': 'orchestrator',
    });
  });

  it("is scheduled where the army's pods are (podTemplate nodeSelector and tolerations)", () => {
    expect(pod?.nodeSelector).toEqual(onRealNode.podTemplate.nodeSelector);
    expect(pod?.tolerations).toEqual(onRealNode.podTemplate.tolerations);
  });
});

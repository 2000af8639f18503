import { describe, expect, it } from 'vitest';
import { ApiError, type RequestOptions } from '../../kube/api-client.js';
import type { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/resource.js';
import { Store } from '../../kube/store.js';
import { iso, release, version } from '../../rollout/fixtures.test-util.js';
import { evaluationJobName } from '../../rollout/render/render-evaluation-job.js';
import { createEvaluationJob, observeEvaluation } from './evaluation.js';
import type { ReleaseObservation } from './observe.js';

type Ok = Extract<ReleaseObservation, { kind: 'ok' }>;
const STEPS = [{ evaluation: { dataset: { configMapRef: { name: 'golden' } } } }, { setWeight: 100 }];
const status = {
  phase: 'Progressing' as const,
  fromVersion: 'v1',
  toVersion: 'v2',
  currentStepIndex: 0,
  canaryWeight: 0,
  analysisRuns: [
    {
      stepIndex: 0,
      version: 'v2',
      phase: 'Running' as const,
      startedAt: iso(0),
      successful: 0,
      failed: 0,
      inconclusive: 0,
      errors: 0,
      consecutiveErrors: 0,
      measurements: [],
    },
  ],
};
const rel = release({ steps: STEPS }, status);
const JOB = evaluationJobName('orch', 0, 'v2', iso(0));
const versions: Record<string, ReturnType<typeof version>> = {
  v1: version('v1', '1.0.0'),
  v2: version('v2', '2.0.0'),
};

function world(opts: { jobs?: KubeObject[]; configMap?: Record<string, string> | 404; pods?: unknown[] }) {
  const store = new Store<KubeObject>();
  for (const j of opts.jobs ?? []) store.upsert(j);
  const calls: RequestOptions[] = [];
  const client = {
    async request<T>(req: RequestOptions): Promise<T> {
      calls.push(req);
      if (req.path.includes('/configmaps/')) {
        if (opts.configMap === 404 || opts.configMap === undefined)
          throw new ApiError(404, undefined, 'GET configmap');
        return { data: opts.configMap } as T;
      }
      if (req.path.endsWith('/pods')) return { items: opts.pods ?? [] } as T;
      return {} as T;
    },
  };
  const o = {
    kind: 'ok',
    raw: {
      apiVersion: 'agentarmy.dev/v1alpha1',
      kind: 'CanaryRelease',
      metadata: { name: 'orch', namespace: 'team', uid: 'u1' },
    },
    obs: { release: rel },
    army: { spec: { defaults: undefined } },
    agent: { name: 'orchestrator', version: 'v2', replicas: 2, strategy: { type: 'Canary' } },
    version: (n: string | undefined) => (n ? versions[n] : undefined),
  } as unknown as Ok;
  return { client, calls, jobs: { store } as unknown as Informer<KubeObject>, o };
}

const job = (conditions: unknown[] = []) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: JOB, namespace: 'team' },
  status: { conditions },
});

describe('observeEvaluation', () => {
  it('before the Job exists: a dataset ConfigMap that is missing is a problem naming it', async () => {
    const w = world({ configMap: 404 });
    expect(await observeEvaluation(w.client, w.jobs, w.o, status)).toEqual({
      jobName: JOB,
      problem: 'dataset.configMapRef: ConfigMap golden in namespace team not found',
    });
  });

  it('before the Job exists: a ConfigMap without the key is a problem naming the key', async () => {
    const w = world({ configMap: { other: 'x' } });
    const seen = await observeEvaluation(w.client, w.jobs, w.o, status);
    expect(seen?.problem).toContain('has no key dataset.jsonl');
  });

  it('before the Job exists, with the dataset there: no problem, the Job is absent', async () => {
    const w = world({ configMap: { 'dataset.jsonl': '{}' } });
    expect(await observeEvaluation(w.client, w.jobs, w.o, status)).toEqual({ jobName: JOB });
  });

  it('a running Job: no read of its pods', async () => {
    const w = world({ jobs: [job()] });
    expect(await observeEvaluation(w.client, w.jobs, w.o, status)).toEqual({ jobName: JOB, job: {} });
    expect(w.calls).toEqual([]);
  });

  it("a finished Job: the evaluate container's termination message, from one LIST of its pods", async () => {
    const pod = {
      metadata: { creationTimestamp: iso(1) },
      status: {
        containerStatuses: [{ name: 'evaluate', state: { terminated: { exitCode: 0, message: '{"v":1}' } } }],
      },
    };
    const w = world({ jobs: [job([{ type: 'Complete', status: 'True' }])], pods: [pod] });
    expect(await observeEvaluation(w.client, w.jobs, w.o, status)).toEqual({
      jobName: JOB,
      job: { finished: 'Complete' },
      terminationMessage: '{"v":1}',
    });
    expect(w.calls.map((c) => [c.method, c.path, c.query?.labelSelector])).toEqual([
      ['GET', '/api/v1/namespaces/team/pods', `batch.kubernetes.io/job-name=${JOB}`],
    ]);
  });

  it('nothing to observe outside an evaluation step or once its run ended', async () => {
    const w = world({});
    const [running] = status.analysisRuns;
    if (!running) throw new Error('fixture');
    const ended = { ...status, analysisRuns: [{ ...running, phase: 'Failed' as const }] };
    expect(await observeEvaluation(w.client, w.jobs, w.o, ended)).toBeUndefined();
    expect(
      await observeEvaluation(w.client, w.jobs, w.o, { ...status, currentStepIndex: 1 }),
    ).toBeUndefined();
  });
});

describe('createEvaluationJob', () => {
  it('server-side applies the Job, owned by the release, without blocking its deletion', async () => {
    const w = world({});
    expect(await createEvaluationJob(w.client, w.o, status, { stepIndex: 0, name: JOB })).toBe(true);
    const [call] = w.calls;
    expect(call).toMatchObject({
      method: 'PATCH',
      path: `/apis/batch/v1/namespaces/team/jobs/${JOB}`,
      query: { fieldManager: 'agent-army', force: true },
      contentType: 'application/apply-patch+yaml',
    });
    const body = call?.body as { metadata: { ownerReferences: unknown[] } } | undefined;
    expect(body?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'agentarmy.dev/v1alpha1',
        kind: 'CanaryRelease',
        name: 'orch',
        uid: 'u1',
        controller: true,
        blockOwnerDeletion: false,
      },
    ]);
  });
});

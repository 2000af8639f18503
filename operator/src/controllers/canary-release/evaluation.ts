// The I/O of an evaluation step (the decision is rollout/canary/evaluation-step.ts): observe the current
// run's Job from the cache, its pod's termination message once it finished (one LIST of its pods), and,
// before the Job exists, whether the dataset ConfigMap and key are there; then create the Job the plan
// asks for with server-side apply, owned by the release.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { CanaryRelease, CanaryReleaseStatus } from '../../api/v1alpha1/index.js';
import { isApiError } from '../../kube/api-client.js';
import type { Informer } from '../../kube/informer.js';
import { coreTypes, type KubeObject, type ResourceType, resourcePath } from '../../kube/resource.js';
import { apply, controllerReference, type WriteClient } from '../../kube/writes.js';
import type { EvaluationJobRequest, EvaluationObserved } from '../../rollout/canary/types.js';
import {
  EVALUATE_CONTAINER,
  evaluationJobName,
  renderEvaluationJob,
} from '../../rollout/render/render-evaluation-job.js';
import type { ReleaseObservation } from './observe.js';

export const jobType: ResourceType = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
};

type Ok = Extract<ReleaseObservation, { kind: 'ok' }>;

/** The evaluation step a status is on and the name of its current run's Job, if any. */
function currentJob(release: CanaryRelease, s: CanaryReleaseStatus | undefined) {
  const i = s?.currentStepIndex ?? 0;
  const step = release.spec.steps[i]?.evaluation;
  if (!s || !step || (s.phase !== 'Progressing' && s.phase !== 'Paused') || !s.toVersion) return undefined;
  const run = s.analysisRuns?.findLast((r) => r.stepIndex === i && r.version === s.toVersion);
  if (run?.phase !== 'Running') return undefined;
  return { step, name: evaluationJobName(release.metadata.name ?? '', i, s.toVersion, run.startedAt) };
}

function finished(job: V1Job): EvaluationObserved['job'] {
  for (const type of ['Complete', 'Failed'] as const) {
    const c = job.status?.conditions?.find((x) => x.type === type && x.status === 'True');
    if (c)
      return {
        finished: type,
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.message ? { message: c.message } : {}),
      };
  }
  return {};
}

/** The termination message of the `evaluate` container of the Job's pod (the newest pod). */
async function terminationMessage(client: WriteClient, namespace: string, job: string) {
  const list = await client.request<{ items?: V1Pod[] }>({
    method: 'GET',
    path: resourcePath(coreTypes.pod, namespace),
    query: { labelSelector: `batch.kubernetes.io/job-name=${job}` },
  });
  const pods = (list.items ?? []).sort((a, b) =>
    String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')),
  );
  for (const pod of pods) {
    const c = pod.status?.containerStatuses?.find((x) => x.name === EVALUATE_CONTAINER);
    const message = c?.state?.terminated?.message;
    if (message !== undefined) return message;
  }
  return undefined;
}

/** Why the dataset cannot be mounted, or undefined when its ConfigMap has the key. */
async function datasetProblem(client: WriteClient, namespace: string, ref: { name: string; key: string }) {
  const where = `dataset.configMapRef: ConfigMap ${ref.name} in namespace ${namespace}`;
  try {
    const cm = await client.request<{ data?: Record<string, string> }>({
      method: 'GET',
      path: resourcePath(coreTypes.configMap, namespace, ref.name),
    });
    return cm.data?.[ref.key] === undefined ? `${where} has no key ${ref.key}` : undefined;
  } catch (err) {
    if (isApiError(err, 404)) return `${where} not found`;
    throw err;
  }
}

/**
 * What decide needs to know of the Job of the evaluation run in `status` (the release's, or a plan's that
 * just started the run); undefined when no evaluation runs.
 */
export async function observeEvaluation(
  client: WriteClient,
  jobs: Informer<KubeObject>,
  o: Ok,
  status: CanaryReleaseStatus | undefined,
): Promise<EvaluationObserved | undefined> {
  const release = o.obs.release;
  const current = currentJob(release, status);
  if (!current) return undefined;
  const namespace = release.metadata.namespace ?? '';
  const cached = jobs.store.get(namespace, current.name) as V1Job | undefined;
  if (!cached) {
    const missing = [status?.toVersion, status?.fromVersion].find((v) => !o.version(v));
    const problem = missing
      ? `AgentVersion ${missing} not found in namespace ${namespace}`
      : await datasetProblem(client, namespace, current.step.dataset.configMapRef);
    return { jobName: current.name, ...(problem ? { problem } : {}) };
  }
  const job = finished(cached);
  const message = job?.finished ? await terminationMessage(client, namespace, current.name) : undefined;
  return {
    jobName: current.name,
    ...(job ? { job } : {}),
    ...(message !== undefined ? { terminationMessage: message } : {}),
  };
}

/**
 * Creates the evaluation Job the plan asks for (server-side apply, owned by the release). `status` is the
 * plan's: the versions of the release it names were checked by observeEvaluation (a missing one is an Error).
 */
export async function createEvaluationJob(
  client: WriteClient,
  o: Ok,
  status: CanaryReleaseStatus,
  req: EvaluationJobRequest,
): Promise<boolean> {
  const release = o.obs.release;
  const step = release.spec.steps[req.stepIndex]?.evaluation;
  const canary = o.version(status.toVersion);
  const stable = o.version(status.fromVersion);
  if (!step || !canary || !stable) return false;
  const job = renderEvaluationJob({
    namespace: release.metadata.namespace ?? '',
    release: release.metadata.name ?? '',
    name: req.name,
    ref: release.spec.targetRef,
    step,
    canary,
    stable,
    agent: o.agent,
    defaults: o.army.spec.defaults,
  });
  // Garbage-collected with the release; blockOwnerDeletion off, as that would need update on the
  // release's finalizers subresource (OwnerReferencesPermissionEnforcement), which nothing else uses.
  const owner = { ...controllerReference(o.raw), blockOwnerDeletion: false };
  job.metadata = { ...job.metadata, ownerReferences: [owner] };
  await apply(client, jobType, job as KubeObject);
  return true;
}

// Helpers of the autoscaling tests: who owns a Deployment's spec.replicas, and the operator's Deployment writes.
import type { Manager } from '../../operator/src/kube/manager.js';
import { kubectlOk } from '../support/cluster.js';

interface ManagedField {
  manager: string;
  fieldsV1?: { 'f:spec'?: Record<string, unknown> };
}

/** The field managers whose managedFields entry of the Deployment holds `f:spec.f:replicas`. */
export async function replicasOwners(namespace: string, name: string): Promise<string[]> {
  const out = await kubectlOk([
    'get',
    'deployment',
    name,
    '-n',
    namespace,
    '-o',
    'json',
    '--show-managed-fields',
  ]);
  const fields =
    (JSON.parse(out) as { metadata: { managedFields?: ManagedField[] } }).metadata.managedFields ?? [];
  return fields.filter((f) => f.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined).map((f) => f.manager);
}

/** Writes (apply, patch, delete…) the operator has made to Deployments, from agentarmy_api_writes_total. */
export async function deploymentWrites(mgr: Manager): Promise<number> {
  const data = await mgr.metrics.apiWrites.get();
  return data.values.filter((v) => v.labels.kind === 'Deployment').reduce((n, v) => n + v.value, 0);
}

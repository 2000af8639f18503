// A real `helm install` → `helm upgrade` → `helm uninstall` of the chart on the test cluster (KWOK runs
// the operator pods as fake Running pods), in the default cluster-wide RBAC mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import { chartDir, helm, helmOk } from './helm.js';

const ns = uniqueNamespace('chart-inst');
const sa = `system:serviceaccount:${ns}:agent-army`;
const clusterScoped = [`clusterrole/${ns}-agent-army`, `clusterrolebinding/${ns}-agent-army`];
const namespaced = [
  'deployment/agent-army',
  'serviceaccount/agent-army',
  'service/agent-army-metrics',
  'role/agent-army-leader-election',
  'rolebinding/agent-army-leader-election',
];
const crds = ['agentarmies.agentarmy.dev', 'agentversions.agentarmy.dev', 'canaryreleases.agentarmy.dev'];

type Deployment = {
  metadata: { generation: number };
  spec: { replicas: number; template: { spec: { containers: { args: string[] }[] } } };
  status: { readyReplicas?: number; availableReplicas?: number };
};
const deployment = async () =>
  JSON.parse(await kubectlOk(['get', 'deployment', 'agent-army', '-n', ns, '-o', 'json'])) as Deployment;

/** Impersonates the chart's ServiceAccount (the admin kubeconfig may impersonate). */
async function saCan(...args: string[]): Promise<boolean> {
  const r = await kubectl(['auth', 'can-i', ...args, `--as=${sa}`]);
  return r.stdout.trim() === 'yes';
}

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
});

afterAll(async () => {
  await helm(['uninstall', 'agent-army', '-n', ns, '--ignore-not-found']);
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('helm install, upgrade and uninstall on the test cluster', () => {
  it('installs: the operator Deployment becomes available with its ServiceAccount, RBAC, Service and CRDs', async () => {
    await helmOk(['install', 'agent-army', chartDir, '-n', ns, '--wait', '--timeout', '120s']);
    const status = JSON.parse(await helmOk(['status', 'agent-army', '-n', ns, '-o', 'json'])) as {
      info: { status: string };
    };
    expect(status.info.status).toBe('deployed');
    const dep = await deployment();
    expect(dep.status.availableReplicas).toBe(1);
    expect(dep.spec.template.spec.containers[0]?.args).toContain('--namespaces=*');
    await kubectlOk(['get', ...namespaced, '-n', ns]);
    await kubectlOk(['get', ...clusterScoped]);
    await kubectlOk(['get', 'crd', ...crds]);
  });

  it('binds the ClusterRole: every namespace readable and writable as needed, Secrets only by name', async () => {
    expect(await saCan('list', 'agentarmies.agentarmy.dev', '--all-namespaces')).toBe(true);
    expect(await saCan('patch', 'agentarmies.agentarmy.dev', '--subresource=status', '-n', 'default')).toBe(
      true,
    );
    expect(await saCan('patch', 'deployments.apps', '-n', 'default')).toBe(true);
    expect(await saCan('get', 'secrets', '-n', 'default')).toBe(true);
    expect(await saCan('list', 'secrets', '--all-namespaces')).toBe(false);
    expect(await saCan('update', 'agentarmies.agentarmy.dev', '-n', 'default')).toBe(false);
    expect(await saCan('create', 'leases.coordination.k8s.io', '-n', ns)).toBe(true);
    expect(await saCan('create', 'leases.coordination.k8s.io', '-n', 'default')).toBe(false);
  });

  it('upgrades: a changed value rolls into the Deployment', async () => {
    const before = await deployment();
    await helmOk([
      'upgrade',
      'agent-army',
      chartDir,
      '-n',
      ns,
      '--set',
      'logLevel=debug',
      '--set',
      'replicaCount=2',
      '--wait',
      '--timeout',
      '120s',
    ]);
    const after = await deployment();
    expect(after.metadata.generation).toBeGreaterThan(before.metadata.generation);
    expect(after.spec.replicas).toBe(2);
    expect(after.status.readyReplicas).toBe(2);
    const args = after.spec.template.spec.containers[0]?.args ?? [];
    expect(args).toContain('--log-level=debug');
    expect(args).not.toContain('--log-level=info');
    const history = JSON.parse(await helmOk(['history', 'agent-army', '-n', ns, '-o', 'json'])) as unknown[];
    expect(history).toHaveLength(2);
  });

  it('uninstalls: every object of the release is gone, the CRDs stay (as Helm does with crds/)', async () => {
    await helmOk(['uninstall', 'agent-army', '-n', ns, '--wait', '--timeout', '120s']);
    for (const obj of [...namespaced.map((o) => ['-n', ns, o]), ...clusterScoped.map((o) => [o])]) {
      const r = await kubectl(['get', ...obj]);
      expect(r.code, `${obj.join(' ')} still exists`).not.toBe(0);
      expect(r.stderr).toMatch(/NotFound/);
    }
    await kubectlOk(['get', 'crd', ...crds]);
    const list = await helmOk(['list', '-n', ns, '-q']);
    expect(list.trim()).toBe('');
  });
});

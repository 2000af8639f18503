// The kubectl plugin against the real apiserver: a request lands in status.control through the status
// subresource, so the spec, metadata.generation and the GitOps-owned fields never change; `status` prints
// what the status holds.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigPath, kubectl, kubectlOk, repoRoot, run, uniqueNamespace } from '../support/cluster.js';

const ns = uniqueNamespace('plugin');
const plugin = join(repoRoot, 'operator/bin/kubectl-agentarmy.js');
const crel = {
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'CanaryRelease',
  metadata: { name: 'orch', namespace: ns },
  spec: {
    targetRef: { army: 'support', agent: 'orchestrator' },
    steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 100 }],
    analysis: { provider: { prometheus: { address: 'http://prometheus:9090' } }, maxErrorRate: 0.05 },
  },
};

const agentarmy = (args: string[]) =>
  run(process.execPath, [plugin, ...args, '-n', ns, `--kubeconfig=${kubeconfigPath}`]);
type Crel = {
  metadata: { generation: number; managedFields: { manager: string; subresource?: string }[] };
  spec: unknown;
  status?: { control?: { id: string; action: string; requestedBy?: string } };
};
const getCrel = async () =>
  JSON.parse(
    await kubectlOk(['get', 'crel', 'orch', '-n', ns, '-o', 'json', '--show-managed-fields']),
  ) as Crel;

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await kubectlOk(['create', 'namespace', ns]);
  await kubectlOk(['apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'], {
    input: JSON.stringify(crel),
  });
});
afterAll(async () => {
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('kubectl agentarmy', () => {
  it('writes promote --full to status.control only: spec and generation unchanged, no GitOps drift', async () => {
    const before = await getCrel();
    const r = await agentarmy(['promote', 'orch', '--full', '--no-wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/promoteFull requested for CanaryRelease .*\/orch \(id [0-9a-f-]{36}\)/);
    const after = await getCrel();
    expect(after.status?.control?.action).toBe('promoteFull');
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    const mine = after.metadata.managedFields.filter((f) => f.manager === 'kubectl-agentarmy');
    expect(mine.map((f) => f.subresource)).toEqual(['status']);
  });

  it('gives each request a new id, and says so when the operator does not acknowledge in time', async () => {
    const first = (await getCrel()).status?.control?.id;
    const r = await agentarmy(['abort', 'orch', '--timeout', '1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('did not acknowledge the request within 1s');
    const control = (await getCrel()).status?.control;
    expect(control?.action).toBe('abort');
    expect(control?.id).not.toBe(first);
  });

  it('prints the status as a table', async () => {
    await kubectlOk([
      'patch',
      'crel',
      'orch',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: {
          phase: 'Paused',
          currentStepIndex: 1,
          canaryWeight: 10,
          fromVersion: 'orch-v1',
          toVersion: 'orch-v11',
          pauseReason: 'Step',
        },
      }),
    ]);
    const r = await agentarmy(['status', 'orch']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/orch\s+support\s+orchestrator\s+Paused\s+2\/3\s+10%\s+orch-v1\s+orch-v11/);
  });

  it('fails clearly for an object that does not exist', async () => {
    const r = await agentarmy(['pause', 'nope', '--no-wait']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*404|not found/i);
  });
});

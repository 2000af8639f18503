// Status is the control channel: the chart's control ClusterRole lets a user patch the status of armies
// and releases, and its ValidatingAdmissionPolicy (generated from the zod status schemas) lets anyone but
// the operator's ServiceAccount change only status.control. Proven on the real apiserver with tokens of
// real ServiceAccounts: the rest of status — the operator's record of progress — is never taken from users.

import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { agentArmyType, canaryReleaseType } from '../../operator/src/controllers/resource-types.js';
import { KubeClient } from '../../operator/src/kube/api-client.js';
import { resourcePath } from '../../operator/src/kube/resource.js';
import { agentVersion, army, secret } from '../army/fixtures.js';
import { applyManifest, kubectl, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import { canaryRelease } from '../support/delivery.js';
import { type K8sObject, render, serviceAccountKubeconfig } from './helm.js';

const ns = uniqueNamespace('status-policy');
const release = 'sp';
let releaser = '';
let viewer = '';
let operator = '';
let clusterScoped: K8sObject[] = [];

const types = { canaryrelease: canaryReleaseType, agentarmy: agentArmyType } as const;

/**
 * A JSON merge patch of the status subresource as `kubeconfig`'s identity, sent as the operator and the
 * plugin send it (one PATCH, no GET first); `{ code, stderr }` like a command (never throws).
 */
async function patchStatus(kubeconfig: string, kind: keyof typeof types, name: string, status: unknown) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc);
  try {
    await client.request({
      method: 'PATCH',
      path: `${resourcePath(types[kind], ns, name)}/status`,
      body: { status },
      contentType: 'application/merge-patch+json',
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    return { code: 1, stderr: String(err) };
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  // The chart's cluster-scoped objects as Helm renders them for a release in `ns` (only those this test
  // needs: the operator's role and binding, the users' roles, the status policy).
  const objs = await render({}, { namespace: ns, release });
  clusterScoped = objs.filter((o) =>
    [
      'ClusterRole',
      'ClusterRoleBinding',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ].includes(o.kind),
  );
  for (const o of [...objs.filter((o) => o.kind === 'ServiceAccount'), ...clusterScoped])
    await applyManifest(o);
  for (const sa of ['releaser', 'viewer']) await kubectlOk(['create', 'serviceaccount', sa, '-n', ns]);
  const role = (suffix: string) =>
    clusterScoped.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith(`-${suffix}`))?.metadata
      .name;
  for (const [sa, r] of [
    ['releaser', 'control'],
    ['viewer', 'view'],
  ]) {
    await kubectlOk([
      'create',
      'rolebinding',
      sa ?? '',
      '-n',
      ns,
      `--clusterrole=${role(r ?? '')}`,
      `--serviceaccount=${ns}:${sa}`,
    ]);
  }
  await applyManifest(secret(ns));
  await applyManifest(agentVersion(ns, 'orch-v1', '1.0.0'));
  await applyManifest(parse(army(ns, [{ name: 'orchestrator', version: 'orch-v1' }])));
  await applyManifest(canaryRelease(ns, { steps: [{ setWeight: 10 }, { setWeight: 100 }] }));
  releaser = await serviceAccountKubeconfig(ns, 'releaser');
  viewer = await serviceAccountKubeconfig(ns, 'viewer');
  const operatorSa = objs.find((o) => o.kind === 'ServiceAccount')?.metadata.name ?? '';
  operator = await serviceAccountKubeconfig(ns, operatorSa);
  // The policy takes a moment to be enforced after it is created.
  for (let i = 0; i < 60; i++) {
    const r = await patchStatus(releaser, 'canaryrelease', 'orchestrator', { phase: 'Promoted' });
    if (r.code !== 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
}, 120_000);

afterAll(async () => {
  for (const o of clusterScoped) await kubectl(['delete', o.kind, o.metadata.name, '--ignore-not-found']);
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('status writes by users (chart control role + status policy)', () => {
  it.each([
    ['canaryrelease', 'orchestrator'],
    ['agentarmy', 'support'],
  ] as const)('lets the control role write status.control of a %s', async (kind, name) => {
    const control = {
      id: `req-${kind}`,
      action: 'promote',
      requestedAt: '2026-12-02T10:00:00Z',
      requestedBy: 'me',
    };
    const r = await patchStatus(releaser, kind, name, {
      control: kind === 'agentarmy' ? { ...control, agent: 'orchestrator' } : control,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const live = JSON.parse(await kubectlOk(['get', kind, name, '-n', ns, '-o', 'json'])) as {
      status: { control: { id: string } };
    };
    expect(live.status.control.id).toBe(`req-${kind}`);
  });

  it.each([
    ['canaryrelease', 'orchestrator', { canaryWeight: 100 }],
    ['canaryrelease', 'orchestrator', { phase: 'Promoted' }],
    [
      'canaryrelease',
      'orchestrator',
      { lastControl: { id: 'x', action: 'promote', outcome: 'Applied', handledAt: '2026-12-02T10:00:00Z' } },
    ],
    ['agentarmy', 'support', { phase: 'Ready' }],
  ] as const)('refuses the control role any other status field of a %s (%j)', async (kind, name, status) => {
    const before = JSON.parse(await kubectlOk(['get', kind, name, '-n', ns, '-o', 'json'])) as {
      status?: unknown;
    };
    const r = await patchStatus(releaser, kind, name, status);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/only status.control of .* may be written by users/);
    const after = JSON.parse(await kubectlOk(['get', kind, name, '-n', ns, '-o', 'json'])) as {
      status?: unknown;
    };
    expect(after.status).toEqual(before.status);
  });

  it('refuses the view role any status write (RBAC)', async () => {
    const r = await patchStatus(viewer, 'canaryrelease', 'orchestrator', {
      control: { id: 'v', action: 'abort' },
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/forbidden/);
  });

  it("leaves the operator's ServiceAccount free to write its progress", async () => {
    const r = await patchStatus(operator, 'canaryrelease', 'orchestrator', {
      phase: 'Progressing',
      canaryWeight: 10,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

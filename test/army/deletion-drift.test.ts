// Deletion and drift lose nothing (real apiserver, operator controllers in this process):
//  - a field removed from an army's spec (a nodeSelector key, an annotation, a limit, an env var) is removed
//    from the children — server-side apply drops what the operator owned and no longer sends;
//  - an AgentVersion an army uses cannot disappear from under its pods: deletion waits (in-use finalizer,
//    Deleting=True InUse, a DeletionBlocked Warning) until no army uses it, then completes.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentArmyController } from '../../operator/src/controllers/agent-army/controller.js';
import { agentVersionController } from '../../operator/src/controllers/agent-version/controller.js';
import { Manager } from '../../operator/src/kube/manager.js';
import { testConfig } from '../kube/support.js';
import {
  deleteNamespaces,
  eventually,
  getObject,
  kubectl,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { agentVersion, army, secret } from './fixtures.js';

const ns = uniqueNamespace('drift');
let mgr: Manager | undefined;
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { input: yaml });

type Deployment = {
  metadata: { annotations?: Record<string, string> };
  spec: {
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: {
        nodeSelector?: Record<string, string>;
        containers: { env?: { name: string }[]; resources?: { limits?: Record<string, string> } }[];
      };
    };
  };
};
type Version = {
  metadata: { finalizers?: string[]; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};

const agent = (extra: Record<string, unknown> = {}) => ({
  name: 'orchestrator',
  version: 'orch-v1',
  replicas: 1,
  ...extra,
});
const withDefaults = (agents: Record<string, unknown>[], podTemplate: Record<string, unknown>) =>
  army(ns, agents).replace(
    'spec:\n',
    `spec:\n  defaults:\n    podTemplate: ${JSON.stringify(podTemplate)}\n`,
  );

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await kubectlOk(['create', 'namespace', ns]);
  await apply(secret(ns));
  await apply(agentVersion(ns, 'orch-v1', '1.0.0'));
  await apply(agentVersion(ns, 'orch-v2', '1.1.0', { compatibleWith: '^1.0.0' }));
  mgr = new Manager({ config: testConfig(ns), serveHttp: false });
  mgr.addController(agentArmyController(mgr));
  mgr.addController(agentVersionController(mgr));
  void mgr.start();
});

afterAll(async () => {
  await mgr?.stop();
  await deleteNamespaces([ns]);
});

const deployment = () => getObject<Deployment>(ns, 'deployment/support-orchestrator');

describe('drift: what the spec no longer says leaves the children', () => {
  it('removes a nodeSelector key, a pod annotation, an env var and a limit deleted from the army', async () => {
    await apply(
      withDefaults(
        [
          agent({
            env: [
              { name: 'KEEP', value: '1' },
              { name: 'DROP', value: '2' },
            ],
            resources: { limits: { memory: '256Mi', cpu: '1' } },
          }),
        ],
        {
          nodeSelector: { zone: 'a', disk: 'ssd' },
          annotations: { 'team.io/keep': 'x', 'team.io/drop': 'y' },
        },
      ),
    );
    const full = await eventually('the Deployment with every field', async () => {
      const d = await deployment();
      return d?.spec.template.spec.nodeSelector?.disk === 'ssd' ? d : undefined;
    });
    expect(full.spec.template.spec.containers[0]?.env?.map((e) => e.name)).toContain('DROP');

    await apply(
      withDefaults(
        [agent({ env: [{ name: 'KEEP', value: '1' }], resources: { limits: { memory: '256Mi' } } })],
        {
          nodeSelector: { zone: 'a' },
          annotations: { 'team.io/keep': 'x' },
        },
      ),
    );
    const trimmed = await eventually('the removed fields gone from the Deployment', async () => {
      const d = await deployment();
      return d && d.spec.template.spec.nodeSelector?.disk === undefined ? d : undefined;
    });
    const pod = trimmed.spec.template;
    expect(pod.spec.nodeSelector).toEqual({ zone: 'a' });
    expect(pod.metadata.annotations?.['team.io/drop']).toBeUndefined();
    expect(pod.metadata.annotations?.['team.io/keep']).toBe('x');
    expect(pod.spec.containers[0]?.env?.map((e) => e.name)).not.toContain('DROP');
    expect(pod.spec.containers[0]?.env?.map((e) => e.name)).toContain('KEEP');
    expect(pod.spec.containers[0]?.resources?.limits).toEqual({ memory: '256Mi' });
  });
});

describe('deletion: an AgentVersion in use waits for its armies', () => {
  it('holds a deleted version while the army runs it, says so, and lets it go once the army moved on', async () => {
    const v = await eventually('the in-use finalizer on orch-v1', async () => {
      const x = await getObject<Version>(ns, 'agentversion/orch-v1');
      return x?.metadata.finalizers?.includes('agentarmy.dev/in-use') ? x : undefined;
    });
    expect(v.metadata.finalizers).toContain('agentarmy.dev/in-use');
    await kubectlOk(['delete', 'agentversion', 'orch-v1', '-n', ns, '--wait=false']);
    const held = await eventually('Deleting=True InUse', async () => {
      const x = await getObject<Version>(ns, 'agentversion/orch-v1');
      return x?.status?.conditions?.find((c) => c.type === 'Deleting' && c.reason === 'InUse')
        ? x
        : undefined;
    });
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(held.status?.conditions?.find((c) => c.type === 'Deleting')?.message).toContain(
      'support/orchestrator',
    );
    // The pods' config is still there.
    expect(await getObject(ns, 'configmap/orch-v1-agent-config')).toBeDefined();
    const events = JSON.parse(
      await kubectlOk([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        'reason=DeletionBlocked',
        '-o',
        'json',
      ]),
    ) as { items: { type: string }[] };
    expect(events.items[0]?.type).toBe('Warning');

    await apply(army(ns, [{ ...agent(), version: 'orch-v2' }]));
    await eventually(
      'orch-v1 gone once the army runs orch-v2',
      async () =>
        (await kubectl(['get', 'agentversion', 'orch-v1', '-n', ns])).code !== 0 ? true : undefined,
      { timeoutMs: 90_000 },
    );
  });
});

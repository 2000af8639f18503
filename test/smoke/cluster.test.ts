// Proves the test harness is a real control plane: the apiserver stores objects, the controller-manager
// turns a Deployment into Pods, the scheduler binds them to KWOK nodes and KWOK marks them Ready; CRDs
// are served; the apiserver reports the version we built.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, kubectlOk, uniqueNamespace } from '../support/cluster.js';

const kc = kubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const ns = uniqueNamespace('smoke');

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('local test cluster', () => {
  it('is Kubernetes v1.37.2 with at least two Ready KWOK nodes, and any other node is the tainted real node', async () => {
    const version = JSON.parse(await kubectlOk(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toBe('v1.37.2');
    const nodes = await core.listNode();
    const ready = nodes.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    const fake = ready.filter((n) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake');
    expect(fake.length).toBeGreaterThanOrEqual(2);
    for (const n of ready.filter((x) => !fake.includes(x))) {
      // The real node (test/cluster/real-node.sh): a kubelet of the same version, only for pods that ask.
      expect(n.metadata?.name).toBe('real-0');
      expect(n.metadata?.labels?.['agentarmy.dev/node']).toBe('real');
      expect(n.status?.nodeInfo?.kubeletVersion).toBe('v1.37.2');
      expect(n.spec?.taints).toContainEqual(
        expect.objectContaining({ key: 'agentarmy.dev/real-node', value: 'true', effect: 'NoSchedule' }),
      );
    }
  });

  it('turns a 3-replica Deployment into 3 Ready pods scheduled on fake nodes', async () => {
    const labels = { app: 'smoke' };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'smoke' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'app', image: 'registry.invalid/smoke:1' }] },
          },
        },
      },
    });
    const readyPods = await eventually(
      '3 Ready pods',
      async () => {
        const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=smoke' });
        const ready = pods.items.filter(
          (p) =>
            p.status?.phase === 'Running' &&
            p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === 3 ? ready : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(readyPods.every((p) => (p.spec?.nodeName ?? '') !== '')).toBe(true);
    const dep = await apps.readNamespacedDeployment({ name: 'smoke', namespace: ns });
    await eventually('Deployment status to report 3 available', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'smoke', namespace: ns });
      return d.status?.availableReplicas === 3 ? true : undefined;
    });
    expect(dep.metadata?.uid).toBeTruthy();
  });

  it('serves a CustomResourceDefinition and stores and returns its objects', async () => {
    const group = `${ns}.smoke.agentarmy.dev`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer', maximum: 10 } } },
                },
              },
            },
          },
        ],
      },
    };
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(crd) });
    try {
      await kubectlOk(['wait', '--for=condition=Established', `crd/widgets.${group}`, '--timeout=30s']);
      const widget = {
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1', namespace: ns },
        spec: { size: 3 },
      };
      await eventually('the new CRD to accept objects', async () => {
        await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(widget) });
        return true;
      });
      const back = JSON.parse(await kubectlOk(['get', `widgets.${group}`, 'w1', '-n', ns, '-o', 'json'])) as {
        spec: { size: number };
      };
      expect(back.spec.size).toBe(3);
      // The schema is enforced by the apiserver, which a fake would not do.
      const bad = { ...widget, metadata: { name: 'w2', namespace: ns }, spec: { size: 11 } };
      await expect(kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(bad) })).rejects.toThrow(
        /spec\.size/,
      );
    } finally {
      await kubectlOk(['delete', 'crd', `widgets.${group}`, '--wait=false']);
    }
  });
});

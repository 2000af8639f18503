// Shared pieces of the runtime integration tests: a manager config for the test cluster and a small
// reconciler that mirrors each parent ConfigMap into an owned child ConfigMap.
import { loadConfig, type OperatorConfig } from '../../operator/src/config.js';
import type { ReconcileResult, Reconciler } from '../../operator/src/kube/controller.js';
import type { Informer } from '../../operator/src/kube/informer.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { coreTypes, type KubeObject, type Request } from '../../operator/src/kube/resource.js';
import { applyIfChanged, controllerReference, prune } from '../../operator/src/kube/writes.js';
import { kubeconfigPath } from '../support/cluster.js';

export type ConfigMap = KubeObject & { data?: Record<string, string> };

export function testConfig(namespace: string, extra: string[] = []): OperatorConfig {
  return loadConfig(
    [
      `--kubeconfig=${kubeconfigPath}`,
      `--namespaces=${namespace}`,
      '--leader-elect=false',
      '--metrics-port=0',
      '--metrics-bind-address=127.0.0.1',
      '--log-level=warn',
      ...extra,
    ],
    {},
  );
}

/** Parent ConfigMaps (label role=parent) each own one child `<parent>-child` carrying the parent's data. */
export class MirrorReconciler implements Reconciler {
  readonly parents: Informer<ConfigMap>;
  readonly children: Informer<ConfigMap>;

  constructor(private readonly mgr: Manager) {
    this.parents = mgr.informer<ConfigMap>(coreTypes.configMap, { labelSelector: { role: 'parent' } });
    this.children = mgr.informer<ConfigMap>(coreTypes.configMap, { labelSelector: { role: 'child' } });
  }

  register(): void {
    this.mgr.addController({
      name: 'mirror',
      for: this.parents as Informer<KubeObject>,
      owns: [{ informer: this.children as Informer<KubeObject> }],
      reconciler: this,
      concurrency: 2,
    });
  }

  async reconcile(req: Request): Promise<ReconcileResult> {
    const parent = this.parents.store.get(req.namespace, req.name);
    if (!parent || parent.metadata?.deletionTimestamp) return {};
    const name = `${req.name}-child`;
    const desired: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: req.namespace,
        labels: { role: 'child', parent: req.name },
        ownerReferences: [controllerReference(parent)],
      },
      data: { ...parent.data },
    };
    await applyIfChanged(
      this.mgr.client,
      coreTypes.configMap,
      desired,
      this.children.store.get(req.namespace, name),
    );
    const mine = this.children.store.list({ namespace: req.namespace, labels: { parent: req.name } });
    await prune(this.mgr.client, coreTypes.configMap, mine, [name]);
    return {};
  }
}

export async function reconcileCount(mgr: Manager): Promise<number> {
  const data = await mgr.metrics.reconcileTotal.get();
  return data.values.reduce((sum, v) => sum + v.value, 0);
}

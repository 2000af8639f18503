// Informer against the real API server: the cache follows creates/updates/deletes, matches a fresh list,
// and survives its connections being torn down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../operator/src/kube/api-client.js';
import { Informer } from '../../operator/src/kube/informer.js';
import { coreTypes, type KubeObject } from '../../operator/src/kube/resource.js';
import { createLogger } from '../../operator/src/observability/logger.js';
import { eventually, kubeConfig, kubectl, kubectlOk, uniqueNamespace } from '../support/cluster.js';

const ns = uniqueNamespace('rt-informer');
const log = createLogger({ level: 'silent' });
let client: KubeClient;
let informer: Informer<KubeObject & { data?: Record<string, string> }>;
const seen: string[] = [];

async function serverState(): Promise<Record<string, string>> {
  const out = JSON.parse(await kubectlOk(['get', 'configmaps', '-n', ns, '-o', 'json'])) as {
    items: KubeObject[];
  };
  return Object.fromEntries(out.items.map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
}

function cacheState(): Record<string, string> {
  return Object.fromEntries(
    informer.store.list({ namespace: ns }).map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]),
  );
}

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  await kubectlOk(['create', 'configmap', 'before', '-n', ns, '--from-literal=a=1']);
  client = new KubeClient(kubeConfig());
  informer = new Informer({ type: coreTypes.configMap, client, log, namespaces: [ns] });
  informer.addHandler({
    onAdd: (o) => seen.push(`add ${o.metadata?.name}`),
    onUpdate: (a, b) => a !== b && seen.push(`update ${b.metadata?.name}`),
    onDelete: (o) => seen.push(`delete ${o.metadata?.name}`),
  });
  informer.start();
});

afterAll(async () => {
  await informer?.stop();
  client?.close();
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('Informer (real API server)', () => {
  it('lists existing objects and reports synced', async () => {
    expect(await informer.waitForSync()).toBe(true);
    expect(informer.store.get(ns, 'before')?.kind).toBe('ConfigMap');
    expect(seen).toContain('add before');
  });

  it('follows create, update and delete, and its cache matches the server', async () => {
    await kubectlOk(['create', 'configmap', 'x', '-n', ns, '--from-literal=v=1']);
    await eventually('x cached', async () => informer.store.get(ns, 'x'));
    await kubectlOk(['patch', 'configmap', 'x', '-n', ns, '--type=merge', '-p', '{"data":{"v":"2"}}']);
    await eventually('x updated', async () =>
      informer.store.get(ns, 'x')?.data?.v === '2' ? true : undefined,
    );
    await kubectlOk(['delete', 'configmap', 'before', '-n', ns]);
    await eventually('before gone', async () => (informer.store.get(ns, 'before') ? undefined : true));
    expect(seen).toEqual(expect.arrayContaining(['add x', 'update x', 'delete before']));
    await eventually('cache equals server', async () => {
      const [server, cache] = [await serverState(), cacheState()];
      return JSON.stringify(server) === JSON.stringify(cache) ? true : undefined;
    });
    expect(informer.store.get(ns, 'x')?.metadata?.managedFields).toBeUndefined();
  });

  it('recovers when its connections are torn down, without losing changes made meanwhile', async () => {
    const watchesBefore = informer.stats.watches;
    client.close(); // destroys every socket, including the open watch
    await kubectlOk(['create', 'configmap', 'during-outage', '-n', ns]);
    await eventually('re-watched', async () => (informer.stats.watches > watchesBefore ? true : undefined));
    await eventually('change seen after recovery', async () => informer.store.get(ns, 'during-outage'));
    await kubectlOk(['create', 'configmap', 'after-recovery', '-n', ns]);
    await eventually('later change seen', async () => informer.store.get(ns, 'after-recovery'));
    expect(informer.running).toBe(true);
    const server = await serverState();
    expect(cacheState()).toEqual(server);
  });

  it('stop() ends the watch cleanly (an abort is not an error) and start() resumes', async () => {
    const errors = informer.stats.errors;
    await informer.stop();
    expect(informer.stats.errors).toBe(errors);
    await kubectlOk(['create', 'configmap', 'while-stopped', '-n', ns]);
    informer.start();
    await eventually('relisted after restart', async () => informer.store.get(ns, 'while-stopped'));
  });
});

// Deleting a CanaryRelease or its AgentArmy mid-release leaves traffic on a version that runs (real
// apiserver, Gateway API CRDs, the operator's controllers in this process):
//  - the release deleted at 30%: its route finalizer holds it until the HTTPRoute sends 100% to the
//    agent's own Service (which exists, and selects the stable track), then lets go; with the operator
//    stopped during the deletion, the release waits and the next operator finishes the job;
//  - the army deleted at 30%: the operator's rules leave the route (no backendRef names a Service of the
//    deleted army), and the release, deleted afterwards, lets go without touching the route again.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion, secret } from '../army/fixtures.js';
import { installGatewayApiCrds } from '../gateway/start.js';
import {
  applyManifest,
  deleteNamespaces,
  eventually,
  getObject,
  kubectl,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { canaryArmy, canaryRelease, startOperatorInProcess } from '../support/delivery.js';

const ns = { release: uniqueNamespace('handback-rel'), army: uniqueNamespace('handback-army') };
let mgr: Manager | undefined;

type Route = {
  metadata: { managedFields?: { manager: string }[] };
  spec: {
    hostnames?: string[];
    rules?: { backendRefs?: { name: string; weight?: number }[] }[];
  };
};
type Release = {
  metadata: { finalizers?: string[]; deletionTimestamp?: string };
  status?: { phase?: string; canaryWeight?: number; conditions?: { type: string; reason: string }[] };
};

const route = (namespace: string) => getObject<Route>(namespace, 'httproute/orchestrator').then((r) => r!);
const backends = (r: Route) =>
  Object.fromEntries((r.spec.rules ?? []).flatMap((x) => x.backendRefs ?? []).map((b) => [b.name, b.weight]));
const exists = async (namespace: string, what: string) =>
  (await kubectl(['get', what, '-n', namespace])).code === 0;

/** The army at orch-v1, a release pausing at 30% on HTTPRoute `orchestrator`, then orch-v2 asked for. */
async function releaseAt30(namespace: string) {
  await kubectlOk(['create', 'namespace', namespace]);
  await kubectlOk(['apply', '-f', '-'], { input: secret(namespace) });
  for (const [name, version] of [
    ['orch-v1', '1.0.0'],
    ['orch-v2', '1.1.0'],
  ] as const)
    await kubectlOk(['apply', '-f', '-'], { input: agentVersion(namespace, name, version) });
  await applyManifest({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'orchestrator', namespace },
    spec: { parentRefs: [{ name: 'agents' }], hostnames: ['orchestrator.example.com'] },
  });
  await applyManifest(
    canaryRelease(namespace, {
      trafficRouting: { gatewayAPI: { httpRoute: 'orchestrator' } },
      steps: [{ setWeight: 30 }, { pause: {} }],
    }),
  );
  await applyManifest(canaryArmy(namespace, 'orch-v1', 2));
  await kubectlOk(['wait', 'agentarmy/support', '-n', namespace, '--for=condition=Ready', '--timeout=90s']);
  await applyManifest(canaryArmy(namespace, 'orch-v2', 2));
  const r = await eventually(
    'the route weighted 70/30',
    async () => {
      const x = await route(namespace);
      return backends(x)['support-orchestrator-canary'] === 30 ? x : undefined;
    },
    { timeoutMs: 90_000 },
  );
  expect(backends(r)).toEqual({ 'support-orchestrator-stable': 70, 'support-orchestrator-canary': 30 });
  const rel = await getObject<Release>(namespace, 'canaryrelease/orchestrator');
  expect(rel?.metadata.finalizers).toContain('agentarmy.dev/restore-route');
}

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await installGatewayApiCrds();
  mgr = startOperatorInProcess(Object.values(ns));
}, 120_000);

afterAll(async () => {
  await mgr?.stop();
  await deleteNamespaces(Object.values(ns));
});

describe('deleting a CanaryRelease mid-release', () => {
  it('holds the release while no operator runs, then sends 100% to the stable Service and lets go', async () => {
    const n = ns.release;
    await releaseAt30(n);

    // The operator is down while the user deletes the release: the finalizer keeps it, the route waits.
    await mgr?.stop();
    await kubectlOk(['delete', 'canaryrelease', 'orchestrator', '-n', n, '--wait=false']);
    await new Promise((r) => setTimeout(r, 2_000));
    const held = await getObject<Release>(n, 'canaryrelease/orchestrator');
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(backends(await route(n))['support-orchestrator-canary']).toBe(30);

    mgr = startOperatorInProcess(Object.values(ns));
    await eventually('the release gone', async () =>
      (await exists(n, 'canaryrelease/orchestrator')) ? undefined : true,
    );
    const r = await route(n);
    expect(r.spec.rules).toHaveLength(1);
    expect(backends(r)).toEqual({ 'support-orchestrator': 100 });
    // The user's fields stay; the Service the route names exists and selects the stable track only.
    expect(r.spec.hostnames).toEqual(['orchestrator.example.com']);
    const svc = await getObject<{ spec: { selector: Record<string, string> } }>(
      n,
      'service/support-orchestrator',
    );
    expect(svc?.spec.selector['agentarmy.dev/track']).toBe('stable');
    const events = await kubectlOk([
      'get',
      'events',
      '-n',
      n,
      '--field-selector',
      'reason=RouteRestored',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    expect(events).toContain('every request to the stable Service support-orchestrator');
  });
});

describe('deleting the AgentArmy mid-release', () => {
  it("drops the operator's rules from the route, then the release lets go without touching it", async () => {
    const n = ns.army;
    await releaseAt30(n);
    await kubectlOk(['delete', 'agentarmy', 'support', '-n', n, '--wait=false']);
    const r = await eventually('no rule of the operator on the route', async () => {
      const x = await route(n);
      return Object.keys(backends(x)).length === 0 ? x : undefined;
    });
    const managers = JSON.parse(
      await kubectlOk(['get', 'httproute/orchestrator', '-n', n, '-o', 'json', '--show-managed-fields']),
    ) as Route;
    expect(managers.metadata.managedFields?.map((m) => m.manager)).not.toContain('agent-army-traffic');
    expect(r.spec.hostnames).toEqual(['orchestrator.example.com']);
    const rel = await eventually('the release reports its target gone', async () => {
      const x = await getObject<Release>(n, 'canaryrelease/orchestrator');
      return x?.status?.conditions?.some((c) => c.reason === 'TargetNotFound') ? x : undefined;
    });
    expect(rel.metadata.finalizers).toContain('agentarmy.dev/restore-route');

    await kubectlOk(['delete', 'canaryrelease', 'orchestrator', '-n', n, '--wait=false']);
    await eventually('the release gone', async () =>
      (await exists(n, 'canaryrelease/orchestrator')) ? undefined : true,
    );
    expect(backends(await route(n))).toEqual({});
  });
});

// Starts the test dataplane (docs/gateway-dataplane.md) in a namespace on the real node and talks to it:
// the Gateway API CRDs (the pinned standard channel), its objects, and a client for its /debug and for
// waiting until a route's generation is served. Reusable by any real-node test that needs a Gateway.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyManifest, cacheDir, eventually, getObject, kubectlOk, repoRoot } from '../support/cluster.js';
import { readyPodIp } from '../support/real-node.js';
import { GATEWAY_NAME, gatewayManifests } from './manifests.js';
import { CONTROLLER_NAME, type RouteVerdict } from './route-status.js';

/** Installs the Gateway API CRDs of test/cluster/versions.sh (idempotent; server-side apply). */
export async function installGatewayApiCrds(): Promise<void> {
  const versions = readFileSync(join(repoRoot, 'test/cluster/versions.sh'), 'utf8');
  const v = versions.match(/GATEWAY_API_VERSION:-(v[0-9.]+)/)?.[1] ?? '';
  const file = join(cacheDir, `gateway-api-${v}/standard-install.yaml`);
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', file], { timeoutMs: 120_000 });
  await kubectlOk(['wait', '--for=condition=Established', 'crd/httproutes.gateway.networking.k8s.io']);
}

export interface DataplaneDebug {
  routes: Record<string, RouteVerdict>;
  counters: {
    forwarded: Record<string, number>;
    mirrors: Record<string, { sent: number; answered: number; failed: number }>;
    unmatched: number;
    noBackend: number;
    upstreamErrors: number;
  };
}

export interface TestGateway {
  /** Gateway name to put in a route's parentRefs (same namespace). */
  name: string;
  /** http://<pod IP>:8080: the dataplane's HTTP port, reachable from the host through the CNI bridge. */
  podUrl: string;
  /** URL of a Service in front of the dataplane, for clients in pods (the load generator). */
  serviceUrl(service: 'gateway' | 'gateway-mirror', path: string): string;
  debug(): Promise<DataplaneDebug>;
  /** Resolves once the dataplane serves `route` at its current generation (status observedGeneration). */
  waitForRoute(route: string, timeoutMs?: number): Promise<RouteVerdict>;
}

interface RouteWithStatus {
  metadata: { generation: number };
  status?: {
    parents?: {
      controllerName: string;
      conditions: { type: string; status: string; observedGeneration?: number; message?: string }[];
    }[];
  };
}

export async function startTestGateway(ns: string): Promise<TestGateway> {
  for (const doc of gatewayManifests(ns)) await applyManifest(doc);
  const ip = await readyPodIp(ns, 'gateway');
  const admin = `http://${ip}:8081`;
  const debug = async () => (await (await fetch(`${admin}/debug`)).json()) as DataplaneDebug;
  return {
    name: GATEWAY_NAME,
    podUrl: `http://${ip}:8080`,
    serviceUrl: (service, path) => `http://${service}.${ns}.svc${path}`,
    debug,
    async waitForRoute(route, timeoutMs = 30_000) {
      return eventually(
        `test gateway serving HTTPRoute ${ns}/${route} at its generation`,
        async () => {
          const r = await getObject<RouteWithStatus>(ns, `httproute/${route}`);
          const mine = r?.status?.parents?.find((p) => p.controllerName === CONTROLLER_NAME);
          const accepted = mine?.conditions.find((c) => c.type === 'Accepted');
          if (!r || accepted?.observedGeneration !== r.metadata.generation) return undefined;
          if (accepted.status !== 'True') throw new Error(`route refused: ${accepted.message}`);
          return (await debug()).routes[route];
        },
        { timeoutMs, intervalMs: 200 },
      );
    },
  };
}

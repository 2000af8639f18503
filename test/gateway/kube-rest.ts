// The few Kubernetes API calls the test dataplane makes, from inside its pod: the ServiceAccount token,
// the cluster CA through NODE_EXTRA_CA_CERTS (set in the pod spec), and fetch. No client library, so the
// dataplane bundles to one file with no dependency (test/gateway/manifests.ts ships it in a ConfigMap).
import { readFileSync } from 'node:fs';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeRest {
  list<T>(path: string): Promise<T[]>;
  mergePatch(path: string, body: unknown): Promise<void>;
}

export function inClusterRest(): KubeRest {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: the dataplane runs in a pod');
  const base = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // Read per call: a projected token is rotated by the kubelet.
  const auth = () => ({ authorization: `Bearer ${readFileSync(`${SA}/token`, 'utf8').trim()}` });
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth(), accept: 'application/json', ...(body ? { 'content-type': type } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  };
  return {
    async list<T>(path: string) {
      return ((await call('GET', path)) as { items?: T[] }).items ?? [];
    },
    async mergePatch(path: string, body: unknown) {
      await call('PATCH', path, body, 'application/merge-patch+json');
    },
  };
}

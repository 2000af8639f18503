// Helpers of the real-node tests that send traffic through the test Gateway dataplane (test/gateway):
// HTTPRoutes attached to it, requests sent from the host straight to the dataplane pod (with the headers a
// test chooses), the requests an agent's pods really served (their own agent_requests_total), and the
// binomial tolerance a measured share is held to.
import type { TestGateway } from '../gateway/start.js';
import { agentPods } from './world.js';

/** An HTTPRoute attached to the test Gateway; `spec` adds hostnames and rules. */
export function gatewayRoute(ns: string, name: string, gw: TestGateway, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: ns },
    spec: { parentRefs: [{ name: gw.name }], ...spec },
  };
}

export interface SentThrough {
  /** Answers per "<version>/<track>" (the runtime's x-agent-version / x-agent-track headers), 2xx only. */
  byTrack: Record<string, number>;
  total: number;
  failures: string[];
}

/** Sends `n` invoke requests from the host to the dataplane pod, `concurrency` at a time. */
export async function sendThroughGateway(
  gw: TestGateway,
  n: number,
  headers: Record<string, string> = {},
  concurrency = 8,
): Promise<SentThrough> {
  const out: SentThrough = { byTrack: {}, total: 0, failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      try {
        const res = await fetch(`${gw.podUrl}/v1/invoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ messages: [{ role: 'user', content: `Where is order ${i}?` }] }),
          signal: AbortSignal.timeout(15_000),
        });
        await res.arrayBuffer();
        if (!res.ok) {
          out.failures.push(`${res.status}`);
          continue;
        }
        const key = `${res.headers.get('x-agent-version')}/${res.headers.get('x-agent-track')}`;
        out.byTrack[key] = (out.byTrack[key] ?? 0) + 1;
        out.total++;
      } catch (err) {
        out.failures.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** Invoke requests the pods of `agent` have served (sum of agent_requests_total over outcomes and pods). */
export function requestsServedBy(ns: string, agent: string): Promise<number> {
  return podMetricSum(ns, `agentarmy.dev/agent=${agent}`, (l) => l.startsWith('agent_requests_total{'));
}

/** Sum over the live pods of `selector` of the /metrics samples whose line `pick` keeps. */
export async function podMetricSum(
  ns: string,
  selector: string,
  pick: (line: string) => boolean,
): Promise<number> {
  const pods = await agentPods(ns, selector);
  let sum = 0;
  for (const p of pods.filter((x) => x.status.podIP && !x.metadata.deletionTimestamp)) {
    const text = await (await fetch(`http://${p.status.podIP}:8080/metrics`)).text();
    for (const line of text.split('\n')) if (pick(line)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** ±`sigmas` standard deviations of the share of a binomial sample of `n` draws at probability `p`. */
export function shareTolerance(n: number, p: number, sigmas = 3): number {
  return sigmas * Math.sqrt((p * (1 - p)) / Math.max(1, n));
}

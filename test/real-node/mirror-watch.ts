// What the real-node mirror test samples while a `mirror` step runs: the route (mirror filter, canary
// weight), and each canary pod's annotation agentarmy.dev/traffic with its runtime's agent_shadow_traffic
// gauge and the requests it served, so the test can tell when each changed and how many copies a canary
// pod served while its runtime still said live.
import { getObject, kubectlOk } from '../support/cluster.js';

export const CANARY = 'agentarmy.dev/agent=orchestrator,agentarmy.dev/track=canary';
export const STABLE = 'agentarmy.dev/agent=orchestrator,agentarmy.dev/track=stable';
export const CANARY_SVC = 'support-orchestrator-canary';

interface Mirror {
  type: string;
  requestMirror?: { backendRef: { name: string; port?: number }; percent?: number };
}
interface LiveRoute {
  spec: { rules?: { filters?: Mirror[]; backendRefs?: { name: string; weight?: number }[] }[] };
}
interface CanaryPod {
  metadata: { annotations?: Record<string, string>; deletionTimestamp?: string };
  status: { podIP?: string };
}

/** The route's mirror filters and canary weight. */
export async function routeView(ns: string) {
  const r = await getObject<LiveRoute>(ns, 'httproute/orchestrator');
  const rules = r?.spec.rules ?? [];
  return {
    mirrors: rules.flatMap((x) => x.filters ?? []).filter((f) => f.type === 'RequestMirror'),
    weight: rules.flatMap((x) => x.backendRefs ?? []).find((b) => b.name === CANARY_SVC)?.weight ?? 0,
  };
}

export interface CanaryMode {
  ip?: string;
  annotation?: string;
  /** agent_shadow_traffic, from the same scrape as `served`. */
  gauge?: number;
  /** agent_requests_total summed over outcomes. */
  served?: number;
}

/** Each live canary pod's annotation, and its runtime's gauge and served requests (one scrape). */
export async function canaryModes(ns: string): Promise<CanaryMode[]> {
  const out = await kubectlOk(['get', 'pods', '-n', ns, '-l', CANARY, '-o', 'json']);
  const pods = (JSON.parse(out) as { items: CanaryPod[] }).items.filter((p) => !p.metadata.deletionTimestamp);
  return Promise.all(
    pods.map(async (p) => {
      const annotation = p.metadata.annotations?.['agentarmy.dev/traffic'];
      const ip = p.status.podIP;
      if (!ip) return { annotation };
      const text = await fetch(`http://${ip}:8080/metrics`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.text())
        .catch(() => '');
      const lines = text.split('\n');
      const line = lines.find((l) => l.startsWith('agent_shadow_traffic'));
      const served = lines
        .filter((l) => l.startsWith('agent_requests_total{'))
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
      return { ip, annotation, gauge: line ? Number(line.split(' ').at(-1)) : undefined, served };
    }),
  );
}

export type Seen = 'shadowAnnotation' | 'shadowGauge' | 'filter' | 'liveAnnotation' | 'liveGauge' | 'weight';

/**
 * Samples every 500 ms, until stopped, when (ms since epoch, and in which round) each thing was first
 * seen: the mirror filter and a canary weight on the route; every canary pod annotated shadow, every canary
 * runtime's gauge at 1, then every pod told live and every gauge back at 0. Each round reads the route
 * before the pods, so a pod state the operator must reach before it writes the route shows up in the same
 * round as the route change or an earlier one. `copiesWhileLive` is the most requests the canary pods whose
 * gauge still said 0 had served in one round, once the filter was on the route and before every gauge said
 * shadow: copies that reached a runtime not yet told it is shadow.
 */
export function watchStep(ns: string) {
  const at: Partial<Record<Seen, number>> = {};
  const round: Partial<Record<Seen, number>> = {};
  let copiesWhileLive = 0;
  let stopped = false;
  let n = 0;
  const first = (k: Seen, seen: boolean) => {
    if (!seen || at[k] !== undefined) return;
    at[k] = Date.now();
    round[k] = n;
  };
  const loop = (async () => {
    while (!stopped) {
      n += 1;
      const route = await routeView(ns).catch(() => undefined);
      first('filter', (route?.mirrors.length ?? 0) > 0);
      first('weight', (route?.weight ?? 0) > 0);
      const modes = await canaryModes(ns).catch(() => []);
      if (modes.length > 0) {
        if (at.filter !== undefined && at.shadowGauge === undefined) {
          const live = modes.filter((m) => m.gauge === 0).reduce((s, m) => s + (m.served ?? 0), 0);
          copiesWhileLive = Math.max(copiesWhileLive, live);
        }
        first(
          'shadowAnnotation',
          modes.every((m) => m.annotation === 'shadow'),
        );
        first(
          'shadowGauge',
          modes.every((m) => m.gauge === 1),
        );
        if (at.shadowAnnotation)
          first(
            'liveAnnotation',
            modes.every((m) => m.annotation === 'live'),
          );
        if (at.shadowGauge)
          first(
            'liveGauge',
            modes.every((m) => m.gauge === 0),
          );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    at,
    round,
    copiesWhileLive: () => copiesWhileLive,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

// What the agent-gates test stands on: a fake OpenAI-compatible upstream (tool-calling models, a judge
// that scores answers by the answering model's system prompt, a model alias the test can move), a fake
// tool server (one healthy tool, one failing 20% of calls), real agent-runtime processes per track playing
// kubelet for the KWOK pods (test/demo/track-processes.ts), a real Prometheus scraping them, the
// operator's controllers in this process, and steady load that records each version's first request.
import { join } from 'node:path';
import type { Manager } from '../../operator/src/kube/manager.js';
import { TrackProcesses } from '../demo/track-processes.js';
import { applyManifest, deleteNamespaces, kubectlOk, repoRoot } from '../support/cluster.js';
import { startOperatorInProcess } from '../support/delivery.js';
import { freePort, type ServiceProcess, spawnFakeOpenAI, spawnFakeTools } from '../support/processes.js';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.js';

const ORDER_RULE = { match: 'order (\\d+)', name: 'lookup_order', arguments: { id: '$1' } };
export const GOOD_PROMPT = 'You are the orchestrator. Look the order up and state its status.';
/** The judge scores answers of this prompt 0.4 (others 0.9): same errors, same latency, worse answers. */
export const WORSE_PROMPT = 'You are the orchestrator. Be brief.';

export const UPSTREAM_MODELS = {
  good: { toolCalls: [ORDER_RULE] },
  'other-good': { toolCalls: [ORDER_RULE] },
  // An alias: serves its dated snapshot until the test moves it (PUT /_models/pinned).
  pinned: { aliasOf: 'pinned-2025-01-01' },
  'pinned-2025-01-01': { toolCalls: [ORDER_RULE] },
  judge: { judge: { promptRules: [{ match: 'Be brief', score: 0.4 }], default: 0.9 } },
};

export interface GatesWorld {
  upstream: ServiceProcess;
  tools: ServiceProcess;
  prom: RunningPrometheus;
  tracks: TrackProcesses;
  load: TrackLoad;
  mgr: Manager;
  close(): Promise<void>;
}

/** Load spread over the tracks by ready pods (as a Service spreads it); remembers first requests. */
export class TrackLoad {
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  sent = 0;
  failed = 0;
  /** Time of the first request each canary version received (its `version` label), ms. */
  readonly firstCanaryRequest = new Map<string, number>();

  constructor(
    private readonly tracks: TrackProcesses,
    private readonly perSecond: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.fire(), 1000 / this.perSecond);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async fire(): Promise<void> {
    const { stable, canary } = this.tracks.state;
    const s = stable.url ? stable.readyPods : 0;
    const c = canary.url ? canary.readyPods : 0;
    this.seq += 1;
    const toCanary = c > 0 && (this.seq * c) % (s + c) < c;
    const url = toCanary ? canary.url : stable.url;
    if (!url) return;
    if (toCanary && canary.version && !this.firstCanaryRequest.has(canary.version))
      this.firstCanaryRequest.set(canary.version, Date.now());
    this.sent += 1;
    try {
      const res = await fetch(`${url}/v1/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: `Where is order ${this.seq}?` }] }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (!res.ok) this.failed += 1;
    } catch {
      this.failed += 1;
    }
  }
}

export async function startGatesWorld(ns: string, perSecond: number): Promise<GatesWorld> {
  const stops: Array<() => Promise<unknown> | unknown> = [];
  const close = async () => {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    await deleteNamespaces([ns]);
  };
  try {
    const upstream = await spawnFakeOpenAI({ seed: 11, models: UPSTREAM_MODELS });
    stops.push(() => upstream.stop());
    const tools = await spawnFakeTools({
      seed: 5,
      tools: {
        lookup_order: { result: { status: 'shipped' } },
        // Fails 20% of calls and tells callers not to retry: 20% of the canary's tool calls fail.
        lookup_flaky: { result: { status: 'shipped' }, errorRate: 0.2, retryable: false },
      },
    });
    stops.push(() => tools.stop());
    const ports = { stable: await freePort(), canary: await freePort() };
    const prom = await startPrometheus([
      { job: 'agents', targets: [`127.0.0.1:${ports.stable}`, `127.0.0.1:${ports.canary}`] },
    ]);
    stops.push(() => prom.stop());
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
    await kubectlOk(['create', 'namespace', ns]);
    await applyManifest({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'llm', namespace: ns },
      stringData: { 'api-key': 'sk-test-not-a-real-key' },
    });
    const tracks = new TrackProcesses(
      ns,
      { stable: 'support-orchestrator', canary: 'support-orchestrator-canary' },
      ports,
      90_000,
    );
    stops.push(() => tracks.stop());
    const load = new TrackLoad(tracks, perSecond);
    stops.push(() => load.stop());
    const mgr = startOperatorInProcess([ns]);
    stops.push(() => mgr.stop());
    return { upstream, tools, prom, tracks, load, mgr, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** An AgentVersion of `orchestrator` on the fake upstream, judged by its `judge` model. */
export function gatedVersion(
  ns: string,
  world: GatesWorld,
  name: string,
  version: string,
  opts: { model?: string; prompt?: string; tool?: string; sampleRate?: number } = {},
) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name, namespace: ns },
    spec: {
      agent: 'orchestrator',
      version,
      image: `agent-army/agent-runtime:${version}`,
      model: {
        name: opts.model ?? 'good',
        baseURL: `${world.upstream.url}/v1`,
        apiKeySecretRef: { name: 'llm', key: 'api-key' },
        timeoutSeconds: 10,
      },
      systemPrompt: opts.prompt ?? GOOD_PROMPT,
      tools: [{ name: 'lookup_order', url: `${world.tools.url}/tools/${opts.tool ?? 'lookup_order'}` }],
      judge: {
        model: 'judge',
        rubric: 'States the status of the order asked about.',
        sampleRate: opts.sampleRate ?? 1,
        maxPerMinute: 6000,
      },
    },
  };
}

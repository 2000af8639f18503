// What the dashboard knows about the cluster: informers (list + watch, with the user's own credentials)
// over AgentArmies, AgentVersions, CanaryReleases and the Events of CanaryReleases, the weights each
// release was seen at while the dashboard ran, and what the user may not list (shown on the pages, not
// thrown). Every change is announced to listeners, which re-render the pages that show it.
import { z } from 'zod';
import type { AgentArmy, AgentVersion, CanaryRelease } from '../../api/v1alpha1/index.js';
import { parseCachedArmy, parseCachedRelease, parseCachedVersion } from '../../controllers/cached-parse.js';
import { agentArmyType, agentVersionType, canaryReleaseType } from '../../controllers/resource-types.js';
import { isApiError, type KubeClient } from '../../kube/api-client.js';
import { Informer } from '../../kube/informer.js';
import { coreTypes, type KubeObject, keyOf, type ResourceType, resourcePath } from '../../kube/resource.js';
import type { Logger } from '../../observability/logger.js';
import type { WeightPoint } from './weight-timeline.js';

/** The fields of a core/v1 Event the release page shows. */
export const KubeEvent = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string().optional(), uid: z.string().optional() }),
  involvedObject: z.object({ kind: z.string().optional(), name: z.string().optional() }),
  type: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  count: z.number().optional(),
  firstTimestamp: z.string().nullish(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
});
export type KubeEvent = z.infer<typeof KubeEvent>;

export type WatchedKind = 'AgentArmy' | 'AgentVersion' | 'CanaryRelease' | 'Event';

/** An object the dashboard could not read as its kind (shown with the problem, never hidden). */
export class InvalidObject {
  constructor(
    readonly kind: WatchedKind,
    readonly key: string,
    readonly message: string,
  ) {}
}

const MAX_WEIGHT_POINTS = 500;

export interface ClusterStateOptions {
  client: KubeClient;
  /** Namespaces to show; undefined = all namespaces. */
  namespaces: string[] | undefined;
  log: Logger;
  now?: () => Date;
}

export class ClusterState {
  readonly problems: string[] = [];
  private readonly informers = new Map<WatchedKind, Informer<KubeObject>>();
  private readonly weights = new Map<string, WeightPoint[]>();
  private readonly listeners = new Set<(kind: WatchedKind) => void>();
  private readonly now: () => Date;

  constructor(private readonly opts: ClusterStateOptions) {
    this.now = opts.now ?? (() => new Date());
    const make = (kind: WatchedKind, type: ResourceType, fieldSelector?: string) => {
      const informer = new Informer<KubeObject>({
        type,
        client: opts.client,
        log: opts.log,
        ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
        ...(fieldSelector ? { fieldSelector } : {}),
        backoff: { initialMs: 500, maxMs: 10_000 },
      });
      informer.addHandler({
        onAdd: (o) => this.changed(kind, o),
        onUpdate: (_old, o) => this.changed(kind, o),
        onDelete: (o) => this.changed(kind, o),
      });
      this.informers.set(kind, informer);
    };
    make('AgentArmy', agentArmyType);
    make('AgentVersion', agentVersionType);
    make('CanaryRelease', canaryReleaseType);
    make('Event', coreTypes.event, 'involvedObject.kind=CanaryRelease');
  }

  /** Checks what the user may list, starts the informers that can work and waits for their first list. */
  async start(timeoutMs = 15_000): Promise<void> {
    const started: Informer<KubeObject>[] = [];
    for (const [kind, informer] of this.informers) {
      const problem = await this.probe(informer.type);
      if (problem) {
        this.problems.push(`${kind}: ${problem}`);
        continue;
      }
      informer.start();
      started.push(informer);
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    await Promise.all(started.map((i) => i.waitForSync(timeout)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  /** Calls `listener` with the kind of every object that was added, changed or deleted. */
  onChange(listener: (kind: WatchedKind) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  armies(): { items: AgentArmy[]; invalid: InvalidObject[] } {
    return this.parsed('AgentArmy', parseCachedArmy);
  }

  releases(): { items: CanaryRelease[]; invalid: InvalidObject[] } {
    return this.parsed('CanaryRelease', parseCachedRelease);
  }

  release(namespace: string, name: string): CanaryRelease | InvalidObject | undefined {
    return this.one('CanaryRelease', namespace, name, parseCachedRelease);
  }

  version(namespace: string, name: string): AgentVersion | InvalidObject | undefined {
    return this.one('AgentVersion', namespace, name, parseCachedVersion);
  }

  /** Events about one CanaryRelease, newest first. */
  releaseEvents(namespace: string, name: string): KubeEvent[] {
    const all = this.informers.get('Event')?.store.list({ namespace }) ?? [];
    const out: KubeEvent[] = [];
    for (const raw of all) {
      const r = KubeEvent.safeParse(raw);
      if (r.success && r.data.involvedObject.name === name) out.push(r.data);
    }
    const time = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
    return out.sort((a, b) => time(b).localeCompare(time(a)));
  }

  /** The weights a release was seen at since the dashboard started (a point per change). */
  observedWeights(namespace: string, name: string): WeightPoint[] {
    return this.weights.get(`${namespace}/${name}`) ?? [];
  }

  private parsed<T>(
    kind: WatchedKind,
    parse: (o: KubeObject) => { ok: true; value: T } | { ok: false; error: Error },
  ): { items: T[]; invalid: InvalidObject[] } {
    const items: T[] = [];
    const invalid: InvalidObject[] = [];
    for (const raw of this.informers.get(kind)?.store.list() ?? []) {
      const r = parse(raw);
      if (r.ok) items.push(r.value);
      else invalid.push(new InvalidObject(kind, keyOf(raw), r.error.message));
    }
    return { items, invalid };
  }

  private one<T>(
    kind: WatchedKind,
    namespace: string,
    name: string,
    parse: (o: KubeObject) => { ok: true; value: T } | { ok: false; error: Error },
  ): T | InvalidObject | undefined {
    const raw = this.informers.get(kind)?.store.get(namespace, name);
    if (!raw) return undefined;
    const r = parse(raw);
    return r.ok ? r.value : new InvalidObject(kind, keyOf(raw), r.error.message);
  }

  private changed(kind: WatchedKind, obj: KubeObject): void {
    if (kind === 'CanaryRelease') this.recordWeight(obj);
    for (const l of this.listeners) l(kind);
  }

  private recordWeight(obj: KubeObject): void {
    const weight = (obj as { status?: { canaryWeight?: unknown } }).status?.canaryWeight;
    if (typeof weight !== 'number') return;
    const key = keyOf(obj);
    const points = this.weights.get(key) ?? [];
    if (points.at(-1)?.weight === weight) return;
    points.push({ time: this.now().toISOString(), weight });
    if (points.length > MAX_WEIGHT_POINTS) points.splice(0, points.length - MAX_WEIGHT_POINTS);
    this.weights.set(key, points);
  }

  /** Why listing `type` fails for this user (forbidden, not installed), or undefined when it works. */
  private async probe(type: ResourceType): Promise<string | undefined> {
    for (const ns of this.opts.namespaces ?? [undefined]) {
      try {
        await this.opts.client.request({ method: 'GET', path: resourcePath(type, ns), query: { limit: 1 } });
      } catch (err) {
        const where = ns ? `namespace ${ns}` : 'all namespaces';
        if (isApiError(err, 403)) return `you may not list ${type.plural} in ${where} (${err.message})`;
        if (isApiError(err, 404)) return `${type.plural} are not served here (CRDs not installed?)`;
        return `cannot list ${type.plural} in ${where}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    return undefined;
  }
}

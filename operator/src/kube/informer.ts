// An informer keeps a cache of one resource type in sync with the API server and tells handlers about
// changes. Per watched namespace (or once for all namespaces) a reflector loop runs:
//   list (paginated) → replace that scope of the cache → watch from the list's resourceVersion → …
// - the watch resumes from the last seen resourceVersion (bookmarks keep it fresh) when it ends normally;
// - "410 Gone" (as HTTP status or as an ERROR event) means the version is compacted: relist;
// - any other error restarts the loop after exponential backoff with jitter (it never exits the process);
// - a resync timer periodically replays every cached object to handlers as an update (level triggering).
import { setMaxListeners } from 'node:events';
import type { Logger } from '../observability/logger.js';
import { ApiError, isApiError, type KubeClient, type WatchEvent } from './api-client.js';
import { type Clock, realClock, sleep } from './clock.js';
import { Backoff } from './rate-limiter.js';
import {
  apiVersionOf,
  type KubeObject,
  keyOf,
  labelSelectorString,
  type ResourceType,
  resourcePath,
} from './resource.js';
import { type IndexFunc, type ReadStore, Store } from './store.js';

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** The two calls an informer makes; `KubeClient` implements it, unit tests pass a fake. */
export type ListWatchClient = Pick<KubeClient, 'request' | 'watch'>;

export interface InformerOptions<T extends KubeObject> {
  type: ResourceType;
  client: ListWatchClient;
  log: Logger;
  /** Namespaces to watch; undefined or empty = all namespaces. */
  namespaces?: string[];
  labelSelector?: Record<string, string> | string;
  /** A field selector for list and watch, e.g. `involvedObject.kind=CanaryRelease` for Events. */
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  /** Replay all cached objects to handlers this often; 0 disables. */
  resyncMs?: number;
  clock?: Clock;
  backoff?: { initialMs: number; maxMs: number };
  pageSize?: number;
  /** Server-side watch timeout range in seconds (a random value in it per watch). */
  watchTimeoutSeconds?: [number, number];
  /** Applied to every object before caching; the default drops metadata.managedFields to save memory. */
  transform?: (obj: T) => T;
  /**
   * Keep metadata.managedFields in list and watch answers for a transform that reads them. By default they
   * are cut from the JSON text before parsing, with or without a transform: no cache needs them, and they
   * are most of a pod's watch event (the kubelet's and the scheduler's entries).
   */
  keepManagedFields?: boolean;
}

interface ListResponse<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

export interface InformerStats {
  lists: number;
  watches: number;
  /** Restarts after an error (not counting normal watch ends). */
  errors: number;
  relistsOnGone: number;
}

export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}

export class Informer<T extends KubeObject> {
  readonly type: ResourceType;
  readonly stats: InformerStats = { lists: 0, watches: 0, errors: 0, relistsOnGone: 0 };
  private readonly cache: Store<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly scopes: Array<string | undefined>;
  private readonly synced = new Set<string | undefined>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private abort: AbortController | undefined;
  private loops: Promise<void>[] = [];
  private syncWaiters: Array<() => void> = [];
  private resyncMs: number;

  constructor(private readonly opts: InformerOptions<T>) {
    this.type = opts.type;
    this.resyncMs = opts.resyncMs ?? 0;
    this.cache = new Store<T>(opts.indexers ?? {});
    this.scopes =
      opts.type.namespaced && opts.namespaces?.length ? [...new Set(opts.namespaces)] : [undefined];
    this.clock = opts.clock ?? realClock;
    this.log = opts.log.child({ informer: opts.type.kind });
  }

  get store(): ReadStore<T> {
    return this.cache;
  }

  /** The transform given at construction (undefined: the default, which drops managedFields). */
  get transform(): ((obj: T) => T) | undefined {
    return this.opts.transform;
  }

  hasIndex(name: string): boolean {
    return this.cache.hasIndex(name);
  }

  /** True once every scope has been listed at least once. */
  hasSynced(): boolean {
    return this.synced.size === this.scopes.length;
  }

  /** Resolves true when synced, false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.hasSynced()) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** Registers a handler; objects already cached are replayed to it as adds. Returns an unsubscribe. */
  addHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    for (const obj of this.cache.list()) this.safely(() => handler.onAdd?.(obj));
    return () => this.handlers.delete(handler);
  }

  get running(): boolean {
    return this.abort !== undefined;
  }

  /** How often the cache is replayed to handlers; 0 = never. */
  get resyncPeriodMs(): number {
    return this.resyncMs;
  }

  /**
   * Sets the resync period (0 disables) before `start()`. The manager gives one only to the primary kinds
   * of its controllers: replaying children would reconcile each owner once more per child kind.
   */
  setResyncPeriod(ms: number): void {
    if (this.abort) throw new Error('setResyncPeriod must be called before start()');
    this.resyncMs = ms;
  }

  start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    // Every watched namespace adds its own listeners to this one signal; many namespaces are normal.
    setMaxListeners(0, abort.signal);
    this.abort = abort;
    this.loops = this.scopes.map((scope) => this.reflect(scope, abort.signal));
    if (this.resyncMs > 0) this.scheduleResync(this.resyncMs, abort.signal);
  }

  /** Stops all watches; resolves when every loop has exited. The cache keeps its last state. */
  async stop(): Promise<void> {
    this.abort?.abort();
    this.abort = undefined;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async reflect(scope: string | undefined, signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.opts.backoff?.initialMs ?? 800, this.opts.backoff?.maxMs ?? 30_000);
    // The last resourceVersion seen; undefined means a (re)list is needed. Watch events advance it even when
    // the watch later fails, so a retry resumes where the stream stopped.
    const cursor: { rv: string | undefined } = { rv: undefined };
    while (!signal.aborted) {
      try {
        if (cursor.rv === undefined) cursor.rv = await this.list(scope, signal);
        if (signal.aborted) break;
        const started = this.clock.now();
        await this.watchOnce(scope, cursor as { rv: string }, signal);
        // A normal end (server timeout): resume at once, unless watches keep ending immediately.
        if (this.clock.now() - started < 1000) await sleep(this.clock, backoff.next(), signal);
        else backoff.reset();
      } catch (err) {
        if (signal.aborted) break;
        if (isApiError(err, 410)) {
          this.stats.relistsOnGone++;
          this.log.info(
            { namespace: scope, resourceVersion: cursor.rv },
            'resourceVersion expired (410 Gone); relisting',
          );
          cursor.rv = undefined;
          continue;
        }
        this.stats.errors++;
        const delayMs = backoff.next();
        this.log.warn(
          { namespace: scope, err: String(err), delayMs },
          'list/watch failed; retrying after backoff',
        );
        await sleep(this.clock, delayMs, signal);
      }
    }
  }

  /** Lists one scope page by page, replaces it in the cache and returns the list's resourceVersion. */
  private async list(scope: string | undefined, signal: AbortSignal): Promise<string> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.opts.client.request<ListResponse<T>>({
        method: 'GET',
        path: resourcePath(this.type, scope),
        query: {
          limit: this.opts.pageSize ?? 500,
          continue: cont,
          labelSelector: this.selector(),
          fieldSelector: this.opts.fieldSelector,
        },
        omitManagedFields: this.omitManagedFields(),
      });
      items.push(...(page.items ?? []));
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? '';
    } while (cont && !signal.aborted);
    this.stats.lists++;
    if (signal.aborted) return rv;
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.prepare(raw);
      seen.add(keyOf(obj));
      const old = this.cache.upsert(obj);
      if (!old) this.dispatch((h) => h.onAdd?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        this.dispatch((h) => h.onUpdate?.(old, obj));
      }
    }
    for (const old of this.cache.list(scope === undefined ? {} : { namespace: scope })) {
      const key = keyOf(old);
      if (!seen.has(key)) {
        this.cache.remove(key);
        this.dispatch((h) => h.onDelete?.(old));
      }
    }
    this.markSynced(scope);
    return rv;
  }

  /** Watches from `cursor.rv` until the stream ends, advancing `cursor.rv` with every event. */
  private async watchOnce(
    scope: string | undefined,
    cursor: { rv: string },
    signal: AbortSignal,
  ): Promise<void> {
    const [lo, hi] = this.opts.watchTimeoutSeconds ?? [300, 600];
    const timeoutSeconds = Math.round(lo + Math.random() * (hi - lo));
    const watchAbort = new AbortController();
    const onAbort = () => watchAbort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const rv = cursor.rv;
    let failure: Error | undefined;
    const onEvent = (event: WatchEvent) => {
      if (failure) return;
      if (event.type === 'ERROR') {
        const status = event.object as { code?: number; reason?: string; message?: string } | undefined;
        failure = new ApiError(status?.code ?? 500, status, `watch ${this.type.plural}`);
        watchAbort.abort();
        return;
      }
      const obj = event.object as T;
      cursor.rv = obj.metadata?.resourceVersion ?? cursor.rv;
      if (event.type === 'BOOKMARK') return;
      this.apply(event.type, this.prepare(obj));
    };
    this.stats.watches++;
    try {
      await this.opts.client.watch({
        path: resourcePath(this.type, scope),
        query: {
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.selector(),
          fieldSelector: this.opts.fieldSelector,
        },
        onEvent,
        signal: watchAbort.signal,
        idleTimeoutMs: (timeoutSeconds + 60) * 1000,
        omitManagedFields: this.omitManagedFields(),
      });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (failure) throw failure;
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    if (type === 'DELETED') {
      const old = this.cache.remove(keyOf(obj));
      this.dispatch((h) => h.onDelete?.(old ?? obj));
      return;
    }
    const old = this.cache.upsert(obj);
    if (old) this.dispatch((h) => h.onUpdate?.(old, obj));
    else this.dispatch((h) => h.onAdd?.(obj));
  }

  private prepare(raw: T): T {
    const obj = (this.opts.transform ?? stripManagedFields)(raw);
    // List items of built-in kinds come without apiVersion/kind; fill them in for owner references.
    obj.apiVersion ??= apiVersionOf(this.type);
    obj.kind ??= this.type.kind;
    return obj;
  }

  /** managedFields are dropped before caching anyway (or never read by the transform): skip them in parsing. */
  private omitManagedFields(): boolean {
    return this.opts.keepManagedFields !== true;
  }

  private selector(): string | undefined {
    return this.opts.labelSelector ? labelSelectorString(this.opts.labelSelector) : undefined;
  }

  private markSynced(scope: string | undefined): void {
    this.synced.add(scope);
    if (!this.hasSynced()) return;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private scheduleResync(ms: number, signal: AbortSignal): void {
    const tick = (): void => {
      if (signal.aborted) return;
      for (const obj of this.cache.list()) this.dispatch((h) => h.onUpdate?.(obj, obj));
      handle = this.clock.setTimeout(tick, ms);
    };
    let handle = this.clock.setTimeout(tick, ms);
    signal.addEventListener('abort', () => this.clock.clearTimeout(handle), { once: true });
  }

  private dispatch(call: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) this.safely(() => call(h));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: String(err) }, 'informer event handler threw');
    }
  }
}

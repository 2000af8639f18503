// A controller connects informers to a work queue and runs a level-based Reconciler on queued keys.
//  - `for`: the primary kind; its own add/update/delete enqueue `namespace/name`.
//  - `owns`: child kinds; a child enqueues its controlling owner (ownerReference with controller=true of the
//    primary kind) or, with `ownerLabel`, the owner named by that label in the child's namespace.
//  - `watches`: any kind with a mapping function (e.g. an AgentVersion → the armies that reference it).
//  - `predicate` (owns, watches; `forPredicate` for the primary): drops updates the reconciler does not
//    read (or, for the primary, the echo of its own status patch: status-echoes.ts); resyncs replay only the
//    primary kind (every primary is reconciled; children and watched objects would only repeat that);
//    `delayMs` (owns, watches): enqueue that much later, so a burst of events becomes one reconcile.
// Reconcile outcome: thrown error → per-key exponential backoff; `{ requeueAfterMs }` → run again after
// that delay (earliest wins); `{ requeue: true }` → backoff requeue without error; `{}` → forget.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';
import type { Clock } from './clock.js';
import type { Informer } from './informer.js';
import type { UpdatePredicate } from './predicates.js';
import type { RateLimiter } from './rate-limiter.js';
import { type KubeObject, objectKey, type Request, splitKey } from './resource.js';
import { WorkQueue } from './work-queue.js';

export interface ReconcileContext {
  /** Child logger with controller, kind, namespace, name and reconcileID. */
  log: Logger;
  reconcileID: string;
  controller: string;
  /**
   * Aborted when the controller stops (shutdown or lost leadership) or the reconcile's deadline passes:
   * stop writing and return.
   */
  signal: AbortSignal;
  /**
   * Queues this object again now (from work the reconcile left running, e.g. a measurement that outlived
   * its inline budget). Safe to call after the reconcile returned.
   */
  wake: () => void;
}

export interface ReconcileResult {
  /** Reconcile this key again after the delay (e.g. to poll rollout progress). */
  requeueAfterMs?: number;
  /** Reconcile again soon with backoff, without counting an error. */
  requeue?: boolean;
}

export interface Reconciler {
  reconcile(req: Request, ctx: ReconcileContext): Promise<ReconcileResult>;
}

export interface OwnsSpec {
  informer: Informer<KubeObject>;
  /** Map children by this label (owner name, same namespace) instead of by ownerReferences. */
  ownerLabel?: string;
  /** Enqueue on an update only when this returns true (adds, deletes and resyncs always enqueue). */
  predicate?: UpdatePredicate;
  /** Enqueue the owner this much later (a key already waiting keeps its earlier time). */
  delayMs?: number;
}

export interface WatchSpec {
  informer: Informer<KubeObject>;
  map: (obj: KubeObject) => Request[];
  /** Enqueue on an update only when this returns true (adds, deletes and resyncs always enqueue). */
  predicate?: UpdatePredicate;
  /** Enqueue the mapped keys this much later (a key already waiting keeps its earlier time). */
  delayMs?: number;
}

export interface ControllerSpec {
  name: string;
  for: Informer<KubeObject>;
  /** Enqueue on an update of the primary only when this returns true (resyncs always enqueue). */
  forPredicate?: UpdatePredicate;
  owns?: OwnsSpec[];
  watches?: WatchSpec[];
  reconciler: Reconciler;
  /** Parallel reconciles (different keys); default 1. */
  concurrency?: number;
}

export interface ControllerDeps {
  log: Logger;
  metrics: RuntimeMetrics;
  /**
   * Every cache the reconciler may read besides its own `for`/`owns`/`watches` (the manager's informers):
   * the workers start only once all are synced, so no reconcile mistakes a cache still listing for "absent".
   */
  caches?: () => Informer<KubeObject>[];
  clock?: Clock;
  rateLimiter?: RateLimiter;
  /** A reconcile's deadline: its signal aborts then, and it counts as an error (retried with backoff). */
  reconcileTimeoutMs?: number;
}

export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** The requests a child maps to: its controlling owner of the primary kind, or the owner label. */
export function ownerRequests(
  child: KubeObject,
  owner: { group: string; kind: string },
  ownerLabel?: string,
): Request[] {
  const namespace = child.metadata?.namespace ?? '';
  if (ownerLabel) {
    const name = child.metadata?.labels?.[ownerLabel];
    return name ? [{ namespace, name }] : [];
  }
  return (child.metadata?.ownerReferences ?? [])
    .filter((r) => r.controller === true && r.kind === owner.kind && groupOf(r.apiVersion) === owner.group)
    .map((r) => ({ namespace, name: r.name }));
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly abort = new AbortController();
  private readonly unsubscribe: Array<() => void> = [];
  private workers: Promise<void>[] = [];
  private started = false;

  constructor(
    private readonly spec: ControllerSpec,
    private readonly deps: ControllerDeps,
  ) {
    this.name = spec.name;
    this.queue = new WorkQueue({
      name: spec.name,
      metrics: deps.metrics,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
    });
  }

  /** Every informer this controller reads. */
  informers(): Informer<KubeObject>[] {
    return [
      this.spec.for,
      ...(this.spec.owns ?? []).map((o) => o.informer),
      ...(this.spec.watches ?? []).map((w) => w.informer),
    ];
  }

  /** Subscribes to the informers, waits for their caches (and `deps.caches`), then starts the workers. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const enqueueAfter = (delayMs: number) => (reqs: Request[]) => {
      for (const r of reqs) {
        const key = objectKey(r.namespace, r.name);
        if (delayMs > 0) this.queue.addAfter(key, delayMs);
        else this.queue.add(key);
      }
    };
    const enqueue = enqueueAfter(0);
    const self = (o: KubeObject): Request[] => [
      { namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' },
    ];
    this.subscribe(this.spec.for, self, enqueue, {
      replays: true,
      ...(this.spec.forPredicate ? { predicate: this.spec.forPredicate } : {}),
    });
    const primary = { group: this.spec.for.type.group, kind: this.spec.for.type.kind };
    for (const o of this.spec.owns ?? [])
      this.subscribe(
        o.informer,
        (c) => ownerRequests(c, primary, o.ownerLabel),
        enqueueAfter(o.delayMs ?? 0),
        o,
      );
    for (const w of this.spec.watches ?? [])
      this.subscribe(w.informer, w.map, enqueueAfter(w.delayMs ?? 0), w);
    const caches = new Set([...this.informers(), ...(this.deps.caches?.() ?? [])]);
    const synced = await Promise.all([...caches].map((i) => i.waitForSync(this.abort.signal)));
    if (!synced.every(Boolean)) return;
    this.deps.log.info(
      { controller: this.name, concurrency: this.spec.concurrency ?? 1 },
      'starting workers',
    );
    for (let i = 0; i < Math.max(1, this.spec.concurrency ?? 1); i++) this.workers.push(this.work());
  }

  /**
   * Stops the controller. With `drain`, waits for in-flight reconciles to finish; without, returns at once
   * (used when leadership is lost: the abort signal tells running reconciles to stop).
   */
  async stop(opts: { drain: boolean } = { drain: true }): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    this.abort.abort();
    if (!opts.drain) {
      this.queue.shutdown();
      return;
    }
    await this.queue.shutdownAndDrain();
    await Promise.all(this.workers);
  }

  private subscribe(
    informer: Informer<KubeObject>,
    map: (o: KubeObject) => Request[],
    enqueue: (r: Request[]) => void,
    opts: { predicate?: UpdatePredicate; replays?: boolean },
  ): void {
    this.unsubscribe.push(
      informer.addHandler({
        onAdd: (o) => enqueue(map(o)),
        onUpdate: (old, o) => {
          // A resync replays a cached object as an update of itself. The primary kind's replay reconciles
          // every primary (level triggering, never filtered); a child's or watched object's replay would
          // only reconcile the same primaries once more.
          if (old === o) {
            if (opts.replays) enqueue(map(o));
            return;
          }
          if (opts.predicate && !opts.predicate(old, o)) return;
          enqueue(map(o));
          if (old !== o) enqueue(map(old));
        },
        onDelete: (o) => enqueue(map(o)),
      }),
    );
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const req = splitKey(key);
    const reconcileID = randomUUID();
    // The child logger is made on first use: most reconciles find nothing to do and log nothing, and a
    // pino child serializes (and redacts) its bindings when it is made.
    let child: Logger | undefined;
    const log = () =>
      (child ??= this.deps.log.child({
        controller: this.name,
        kind: this.spec.for.type.kind,
        namespace: req.namespace,
        name: req.name,
        reconcileID,
      }));
    const debug = this.deps.log.isLevelEnabled('debug');
    const started = performance.now();
    if (debug) log().debug('reconciling');
    let outcome: ReconcileOutcome;
    // One signal per reconcile: the controller's (stop, lost leadership) or the deadline. Made by hand:
    // AbortSignal.any() on the long-lived controller signal has leaked on Node 20.
    const timeoutMs = this.deps.reconcileTimeoutMs ?? 120_000;
    const reconcileAbort = new AbortController();
    let pastDeadline = false;
    const onStop = () => reconcileAbort.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    const deadline = setTimeout(() => {
      pastDeadline = true;
      reconcileAbort.abort();
    }, timeoutMs);
    try {
      const result = await this.spec.reconciler.reconcile(req, {
        get log() {
          return log();
        },
        reconcileID,
        controller: this.name,
        signal: reconcileAbort.signal,
        wake: () => this.queue.add(key),
      });
      if (pastDeadline) throw new Error(`reconcile passed its ${timeoutMs} ms deadline`);
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, result.requeueAfterMs);
        outcome = 'requeue_after';
      } else if (result.requeue) {
        this.queue.addRateLimited(key);
        outcome = 'requeue';
      } else {
        this.queue.forget(key);
        outcome = 'success';
      }
    } catch (err) {
      outcome = 'error';
      this.deps.metrics.reconcileErrors.inc({ controller: this.name });
      log().error(
        { err: err instanceof Error ? err.message : String(err), retries: this.queue.numRequeues(key) },
        'reconcile failed',
      );
      this.queue.addRateLimited(key);
    } finally {
      clearTimeout(deadline);
      this.abort.signal.removeEventListener('abort', onStop);
    }
    this.deps.metrics.reconcileTotal.inc({ controller: this.name, result: outcome });
    this.deps.metrics.reconcileTime.observe({ controller: this.name }, (performance.now() - started) / 1000);
    if (debug) log().debug({ result: outcome }, 'reconciled');
  }
}

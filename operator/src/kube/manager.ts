// The Manager composes the runtime: API client, shared informers (started on every replica so caches are
// warm for a fast failover), leader election, controllers (run only while leading), the event recorder
// and the HTTP server. Lifecycle:
//   start(): HTTP → informers → leader election → on leadership: controllers start
//   lost leadership: controllers stop at once (queues shut down, reconcile signals aborted), campaign again
//   stop() (SIGTERM): controllers drain → Lease released → watches stopped → HTTP closed
import { createKubeAccess, type OperatorConfig } from '../config.js';
import { type OperatorHttpServer, startHttpServer } from '../http-server.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createRuntimeMetrics, type RuntimeMetrics } from '../observability/metrics.js';
import { KubeClient } from './api-client.js';
import { Controller, type ControllerSpec } from './controller.js';
import { EventRecorder } from './events.js';
import { Informer } from './informer.js';
import type { KubeAccess, KubeConfigLike } from './kube-access.js';
import { LeaderElector } from './leader-election.js';
import { type KubeObject, labelSelectorString, type ResourceType, resourcePath } from './resource.js';
import { byOwnerUid, type IndexFunc, ownerUidIndex } from './store.js';

export interface ManagerOptions {
  config: OperatorConfig;
  /** Defaults to createKubeAccess(config). */
  kubeConfig?: KubeAccess | KubeConfigLike;
  log?: Logger;
  metrics?: RuntimeMetrics;
  /** Serve /metrics, /healthz, /readyz (default true). */
  serveHttp?: boolean;
}

export interface InformerRequest<T extends KubeObject> {
  labelSelector?: Record<string, string> | string;
  /** Extra indexes; every informer also has `ownerUid` (children by owner UID). */
  indexers?: Record<string, IndexFunc<T>>;
  /**
   * Applied to every object before caching (the default drops managedFields). The informer is shared by
   * type and selector, so every request for it must pass the same transform.
   */
  transform?: (obj: T) => T;
}

export class Manager {
  readonly config: OperatorConfig;
  readonly log: Logger;
  readonly metrics: RuntimeMetrics;
  readonly client: KubeClient;
  readonly events: EventRecorder;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly specs: ControllerSpec[] = [];
  private running: Controller[] = [];
  private elector: LeaderElector | undefined;
  private electionAbort: AbortController | undefined;
  private electionLoop: Promise<void> | undefined;
  private http: OperatorHttpServer | undefined;
  private leading = false;
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(private readonly opts: ManagerOptions) {
    this.config = opts.config;
    this.log = opts.log ?? createLogger({ level: opts.config.logLevel });
    this.metrics = opts.metrics ?? createRuntimeMetrics();
    this.client = new KubeClient(
      opts.kubeConfig ?? createKubeAccess(opts.config),
      this.metrics,
      opts.config.apiTimeoutMs,
    );
    this.events = new EventRecorder({ client: this.client, log: this.log });
  }

  /** The shared informer for a type (and label selector); created on first request. */
  informer<T extends KubeObject>(type: ResourceType, req: InformerRequest<T> = {}): Informer<T> {
    const id = `${resourcePath(type)}?${labelSelectorString(req.labelSelector ?? {})}`;
    const existing = this.informers.get(id);
    if (existing) {
      if (req.transform && existing.transform !== (req.transform as unknown)) {
        throw new Error(`informer for ${type.kind} already exists with another transform`);
      }
      if (Object.keys(req.indexers ?? {}).some((name) => !existing.hasIndex(name))) {
        throw new Error(
          `informer for ${type.kind} already exists without the requested indexes; request them first`,
        );
      }
      return existing as unknown as Informer<T>;
    }
    const informer = new Informer<T>({
      type,
      client: this.client,
      log: this.log,
      namespaces: this.config.namespaces,
      indexers: { [ownerUidIndex]: byOwnerUid, ...req.indexers },
      ...(req.labelSelector ? { labelSelector: req.labelSelector } : {}),
      ...(req.transform ? { transform: req.transform } : {}),
    });
    this.informers.set(id, informer as unknown as Informer<KubeObject>);
    if (this.state === 'started') informer.start();
    return informer;
  }

  /** Registers a controller; it runs whenever this replica leads (always, without leader election). */
  addController(spec: ControllerSpec): void {
    if (this.state !== 'new') throw new Error('controllers must be added before start()');
    this.specs.push(spec);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Undefined when every informer cache has synced; otherwise which kinds are still syncing. */
  notReadyReason(): string | undefined {
    const pending = [...this.informers.values()].filter((i) => !i.hasSynced()).map((i) => i.type.kind);
    if (this.state !== 'started') return `manager is ${this.state}`;
    return pending.length ? `caches not synced: ${pending.join(', ')}` : undefined;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`manager already ${this.state}`);
    this.state = 'started';
    if (this.opts.serveHttp ?? true) {
      this.http = await startHttpServer({
        port: this.config.metricsPort,
        host: this.config.metricsBindAddress,
        registry: this.metrics.registry,
        readiness: () => this.notReadyReason(),
      });
      this.log.info({ port: this.http.port }, 'serving /metrics, /healthz, /readyz');
    }
    // Periodic resync replays only the controllers' primary kinds: an owner's reconcile reads all its
    // children, so replaying the children too would reconcile each army once more per child kind.
    for (const spec of this.specs) spec.for.setResyncPeriod(this.config.resyncPeriodMs);
    for (const informer of this.informers.values()) informer.start();
    if (!this.config.leaderElect) {
      this.startControllers();
      return;
    }
    this.elector = new LeaderElector({
      client: this.client,
      log: this.log,
      metrics: this.metrics,
      namespace: this.config.leaseNamespace,
      name: this.config.leaseName,
      identity: this.config.identity,
      leaseDurationMs: this.config.leaseDurationMs,
      renewDeadlineMs: this.config.renewDeadlineMs,
      retryPeriodMs: this.config.retryPeriodMs,
      onStartedLeading: () => this.startControllers(),
      onStoppedLeading: () => this.stopControllers(false),
    });
    const elector = this.elector;
    this.client.writeGuard = () =>
      elector.holdsLease() ? undefined : 'this replica does not hold the leader lease';
    this.electionAbort = new AbortController();
    this.electionLoop = this.elector.run(this.electionAbort.signal);
  }

  /** Graceful shutdown: drain controllers, release the Lease, stop watches, close HTTP. */
  async stop(): Promise<void> {
    if (this.state !== 'started') return;
    this.state = 'stopped';
    this.log.info('shutting down');
    this.electionAbort?.abort();
    await this.electionLoop;
    await this.stopControllers(true);
    await this.elector?.release();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await this.http?.close();
    this.client.close();
    this.log.info('shutdown complete');
  }

  private startControllers(): void {
    this.leading = true;
    const caches = () => [...this.informers.values()];
    this.running = this.specs.map(
      (spec) =>
        new Controller(spec, {
          log: this.log,
          metrics: this.metrics,
          caches,
          reconcileTimeoutMs: this.config.reconcileTimeoutMs,
        }),
    );
    for (const c of this.running) {
      c.start().catch((err: unknown) =>
        this.log.error({ controller: c.name, err: String(err) }, 'controller failed to start'),
      );
    }
  }

  private async stopControllers(drain: boolean): Promise<void> {
    this.leading = false;
    const controllers = this.running;
    this.running = [];
    await Promise.all(controllers.map((c) => c.stop({ drain })));
  }
}

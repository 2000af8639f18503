// Leader election on a coordination.k8s.io/v1 Lease, following client-go's algorithm:
//  - a candidate takes the Lease when it does not exist, is released (no holder), or has not changed for
//    leaseDuration as observed on the candidate's own clock (no trust in other nodes' clocks);
//  - the leader renews every retryPeriod; if no renewal succeeds within renewDeadline it stops leading at
//    once (`onStoppedLeading`) and becomes a candidate again;
//  - `release()` (after work has stopped) clears the holder and sets leaseDurationSeconds=1 so another
//    replica takes over without waiting for expiry.
// Updates use the Lease's resourceVersion (optimistic concurrency), so two candidates cannot both win.
import type { Logger } from '../observability/logger.js';
import type { RuntimeMetrics } from '../observability/metrics.js';
import { isApiError } from './api-client.js';
import { type Clock, realClock, sleep } from './clock.js';
import { deepEqual } from './json-diff.js';
import { coreTypes, resourcePath } from './resource.js';
import type { WriteClient } from './writes.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: WriteClient;
  log: Logger;
  metrics?: RuntimeMetrics;
  clock?: Clock;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private leading = false;
  /** When the last successful acquire or renew attempt started (this replica's clock). */
  private renewedAtMs = Number.NEGATIVE_INFINITY;
  private observedSpec: LeaseSpec | undefined;
  private observedAtMs = 0;
  private observedRv: string | undefined;
  private readonly clock: Clock;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.clock = opts.clock ?? realClock;
    if (opts.leaseDurationMs <= opts.renewDeadlineMs)
      throw new Error('leaseDuration must be greater than renewDeadline');
    if (opts.renewDeadlineMs <= opts.retryPeriodMs)
      throw new Error('renewDeadline must be greater than retryPeriod');
    this.setGauge(0);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Whether this replica may act as leader at this instant: it leads and its last successful renewal
   * started less than renewDeadline ago. Checked before every write (KubeClient.writeGuard): a replica
   * paused past its lease fails this the moment it resumes, before its renew loop even runs, while
   * another replica can only take over after a whole leaseDuration without renewals.
   */
  holdsLease(): boolean {
    return this.leading && this.clock.now() - this.renewedAtMs < this.opts.renewDeadlineMs;
  }

  /** Campaigns, leads, and campaigns again after losing the lease, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { log, retryPeriodMs, renewDeadlineMs } = this.opts;
    while (!signal.aborted) {
      while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
        await sleep(this.clock, retryPeriodMs * (1 + 0.2 * Math.random()), signal);
      }
      if (signal.aborted) break;
      this.leading = true;
      this.setGauge(1);
      log.info({ lease: this.opts.name, identity: this.opts.identity }, 'became leader');
      this.opts.onStartedLeading();
      let lastRenewMs = this.clock.now();
      while (!signal.aborted) {
        await sleep(this.clock, retryPeriodMs, signal);
        if (signal.aborted) break;
        const remaining = renewDeadlineMs - (this.clock.now() - lastRenewMs);
        if (await this.withDeadline(this.tryAcquireOrRenew(), remaining)) lastRenewMs = this.clock.now();
        else if (this.clock.now() - lastRenewMs >= renewDeadlineMs) break;
      }
      if (signal.aborted) break;
      this.leading = false;
      this.setGauge(0);
      log.warn({ lease: this.opts.name, identity: this.opts.identity }, 'lost leadership; stopping work');
      this.opts.onStoppedLeading();
    }
  }

  /** Gives the lease up (call after work has stopped). No-op unless this instance holds it. */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.setGauge(0);
    const now = this.clock.now();
    try {
      const lease = await this.get();
      if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.put(lease, {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: lease.spec?.leaseTransitions ?? 0,
      });
      this.opts.log.info({ lease: this.opts.name }, 'released leadership');
    } catch (err) {
      this.opts.log.warn({ err: String(err) }, 'could not release the lease; it will expire');
    }
  }

  /** One attempt to take or renew the lease; false when held by someone else or on any API error. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { identity } = this.opts;
    const now = this.clock.now();
    const attemptStartedAt = now;
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    try {
      const lease = await this.get();
      if (!lease) {
        await this.create({
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        });
        this.renewedAtMs = attemptStartedAt;
        return true;
      }
      const spec = lease.spec ?? {};
      if (!deepEqual(spec, this.observedSpec) || lease.metadata.resourceVersion !== this.observedRv) {
        this.observedSpec = spec;
        this.observedRv = lease.metadata.resourceVersion;
        this.observedAtMs = now;
      }
      const holder = spec.holderIdentity ?? '';
      const held = holder !== '' && holder !== identity;
      if (held && this.observedAtMs + (spec.leaseDurationSeconds ?? 0) * 1000 > now) return false;
      const mine = holder === identity;
      await this.put(lease, {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      });
      this.renewedAtMs = attemptStartedAt;
      return true;
    } catch (err) {
      if (!isApiError(err, 409)) this.opts.log.warn({ err: String(err) }, 'lease acquire/renew failed');
      return false;
    }
  }

  private async withDeadline(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    if (ms <= 0) return false;
    let handle: ReturnType<Clock['setTimeout']> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      handle = this.clock.setTimeout(() => resolve(false), ms);
    });
    const ok = await Promise.race([attempt, timeout]);
    if (handle) this.clock.clearTimeout(handle);
    return ok;
  }

  private async get(): Promise<Lease | undefined> {
    try {
      return await this.opts.client.request<Lease>({
        method: 'GET',
        path: resourcePath(coreTypes.lease, this.opts.namespace, this.opts.name),
        unfenced: true,
      });
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw err;
    }
  }

  private async create(spec: LeaseSpec): Promise<void> {
    const lease = await this.opts.client.request<Lease>({
      method: 'POST',
      path: resourcePath(coreTypes.lease, this.opts.namespace),
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.opts.name, namespace: this.opts.namespace },
        spec,
      },
      write: { verb: 'create', kind: 'Lease' },
      unfenced: true,
    });
    this.remember(lease, spec);
  }

  private async put(current: Lease, spec: LeaseSpec): Promise<void> {
    const lease = await this.opts.client.request<Lease>({
      method: 'PUT',
      path: resourcePath(coreTypes.lease, this.opts.namespace, this.opts.name),
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: current.metadata, spec },
      write: { verb: 'update', kind: 'Lease' },
      unfenced: true,
    });
    this.remember(lease, spec);
  }

  private remember(lease: Lease | undefined, spec: LeaseSpec): void {
    this.observedSpec = lease?.spec ?? spec;
    this.observedRv = lease?.metadata?.resourceVersion;
    this.observedAtMs = this.clock.now();
  }

  private setGauge(v: number): void {
    this.opts.metrics?.leaderStatus.set({ name: this.opts.name }, v);
  }
}

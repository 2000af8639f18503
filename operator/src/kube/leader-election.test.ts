import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { createRuntimeMetrics } from '../observability/metrics.js';
import { ApiError, type RequestOptions } from './api-client.js';
import { FakeClock } from './clock.js';
import { LeaderElector, type LeaseSpec, microTime } from './leader-election.js';

const log = createLogger({ level: 'silent' });

/** An in-memory Lease endpoint with resourceVersion conflicts, shared by several electors. */
class FakeLeaseApi {
  lease:
    | { metadata: { name: string; namespace: string; resourceVersion: string }; spec: LeaseSpec }
    | undefined;
  private rv = 0;
  down = new Set<string>();

  clientFor(identity: string) {
    return {
      request: async <T>(opts: RequestOptions): Promise<T> => {
        if (this.down.has(identity)) throw new Error('connection refused');
        const body = opts.body as { metadata: { resourceVersion?: string }; spec: LeaseSpec } | undefined;
        if (opts.method === 'GET') {
          if (!this.lease) throw new ApiError(404, { reason: 'NotFound' }, 'get');
          return structuredClone(this.lease) as T;
        }
        if (opts.method === 'POST') {
          if (this.lease) throw new ApiError(409, { reason: 'AlreadyExists' }, 'create');
        } else if (body?.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
          throw new ApiError(409, { reason: 'Conflict' }, 'update');
        }
        this.lease = {
          metadata: { name: 'l', namespace: 'ns', resourceVersion: String(++this.rv) },
          spec: body!.spec,
        };
        return structuredClone(this.lease) as T;
      },
    };
  }
}

function elector(api: FakeLeaseApi, clock: FakeClock, identity: string, events: string[]) {
  const metrics = createRuntimeMetrics();
  const e = new LeaderElector({
    client: api.clientFor(identity),
    log,
    metrics,
    clock,
    namespace: 'ns',
    name: 'l',
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    onStartedLeading: () => events.push(`${identity} started`),
    onStoppedLeading: () => events.push(`${identity} stopped`),
  });
  return { e, metrics };
}

describe('LeaderElector', () => {
  it('exactly one of two candidates leads; the other takes over after release', async () => {
    const clock = new FakeClock();
    const api = new FakeLeaseApi();
    const events: string[] = [];
    const a = elector(api, clock, 'a', events);
    const b = elector(api, clock, 'b', events);
    const abortA = new AbortController();
    const abortB = new AbortController();
    const runA = a.e.run(abortA.signal);
    await clock.advance(10);
    const runB = b.e.run(abortB.signal);
    await clock.advance(30_000);
    expect(events).toEqual(['a started']);
    expect([a.e.isLeader, b.e.isLeader]).toEqual([true, false]);
    expect(await a.metrics.registry.metrics()).toContain('leader_election_master_status{name="l"} 1');
    expect(await b.metrics.registry.metrics()).toContain('leader_election_master_status{name="l"} 0');
    abortA.abort();
    await runA;
    await a.e.release();
    expect(api.lease?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await clock.advance(3_000);
    expect(events).toEqual(['a started', 'b started']);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    abortB.abort();
    await runB;
  });

  it('a candidate takes an unreleased lease only after it has not changed for leaseDuration', async () => {
    const clock = new FakeClock();
    const api = new FakeLeaseApi();
    const events: string[] = [];
    const a = elector(api, clock, 'a', events);
    const b = elector(api, clock, 'b', events);
    const abortA = new AbortController();
    const runA = a.e.run(abortA.signal);
    await clock.advance(10);
    const abortB = new AbortController();
    const runB = b.e.run(abortB.signal);
    await clock.advance(5_000);
    abortA.abort(); // a crashes: no release
    await runA;
    const crashedAt = clock.now();
    while (!b.e.isLeader) await clock.advance(500);
    const waited = clock.now() - crashedAt;
    expect(waited).toBeGreaterThanOrEqual(10_000);
    expect(waited).toBeLessThanOrEqual(15_000 + 2_500);
    abortB.abort();
    await runB;
  });

  it('stops leading once renewals fail for renewDeadline, and campaigns again', async () => {
    const clock = new FakeClock();
    const api = new FakeLeaseApi();
    const events: string[] = [];
    const a = elector(api, clock, 'a', events);
    const abort = new AbortController();
    const run = a.e.run(abort.signal);
    await clock.advance(10);
    api.down.add('a');
    const downAt = clock.now();
    while (a.e.isLeader) await clock.advance(100);
    expect(events).toEqual(['a started', 'a stopped']);
    expect(clock.now() - downAt).toBeGreaterThanOrEqual(10_000);
    expect(clock.now() - downAt).toBeLessThanOrEqual(12_100);
    api.down.delete('a');
    await clock.advance(5_000);
    expect(events).toEqual(['a started', 'a stopped', 'a started']);
    abort.abort();
    await run;
  });

  it('holds the lease for writes only within renewDeadline of its last renewal: a paused leader resumes fenced', async () => {
    const clock = new FakeClock();
    const api = new FakeLeaseApi();
    const events: string[] = [];
    const a = elector(api, clock, 'a', events);
    const abort = new AbortController();
    const run = a.e.run(abort.signal);
    expect(a.e.holdsLease()).toBe(false);
    await clock.advance(10);
    expect(a.e.holdsLease()).toBe(true);
    await clock.advance(30_000); // renewing every retryPeriod
    expect(a.e.holdsLease()).toBe(true);
    // SIGSTOP for longer than the lease: on resume no timer has run yet, and writes are already refused.
    clock.jump(20_000);
    expect(a.e.isLeader).toBe(true);
    expect(a.e.holdsLease()).toBe(false);
    abort.abort();
    await run;
  });

  it.each([
    [
      { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
      'leaseDuration must be greater',
    ],
    [
      { leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 },
      'renewDeadline must be greater',
    ],
  ])('rejects inconsistent durations %o', (durations, message) => {
    const base = {
      client: new FakeLeaseApi().clientFor('x'),
      log,
      namespace: 'ns',
      name: 'l',
      identity: 'x',
    };
    const noop = { onStartedLeading: () => {}, onStoppedLeading: () => {} };
    expect(() => new LeaderElector({ ...base, ...durations, ...noop })).toThrow(message);
  });

  it('formats MicroTime with microseconds', () => {
    expect(microTime(Date.parse('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000Z');
  });
});

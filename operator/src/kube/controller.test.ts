import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { createRuntimeMetrics } from '../observability/metrics.js';
import type { WatchOptions } from './api-client.js';
import { FakeClock, flushMicrotasks } from './clock.js';
import { Controller, ownerRequests, type ReconcileResult, type WatchSpec } from './controller.js';
import { Informer, type ListWatchClient } from './informer.js';
import { specOrMetadataChanged } from './predicates.js';
import { ItemExponentialRateLimiter } from './rate-limiter.js';
import { coreTypes, type KubeObject, type Request } from './resource.js';

const log = createLogger({ level: 'silent' });
const ref = (kind: string, apiVersion: string, name: string, controller = true) => ({
  apiVersion,
  kind,
  name,
  uid: `uid-${name}`,
  controller,
});

describe('ownerRequests', () => {
  const owner = { group: 'agentarmy.dev', kind: 'AgentArmy' };
  it.each([
    [
      'the controlling owner of the primary kind',
      [ref('AgentArmy', 'agentarmy.dev/v1alpha1', 'x')],
      undefined,
      ['x'],
    ],
    [
      'nothing for a non-controller reference',
      [ref('AgentArmy', 'agentarmy.dev/v1alpha1', 'x', false)],
      undefined,
      [],
    ],
    ['nothing for another kind', [ref('Deployment', 'apps/v1', 'x')], undefined, []],
    ['nothing for the same kind in another group', [ref('AgentArmy', 'other.io/v1', 'x')], undefined, []],
    ['the owner named by a label', [], 'agentarmy.dev/army', ['from-label']],
  ])('maps a child to %s', (_name, ownerReferences, label, expected) => {
    const child: KubeObject = {
      metadata: {
        namespace: 'ns',
        name: 'c',
        ownerReferences,
        labels: { 'agentarmy.dev/army': 'from-label' },
      },
    };
    expect(ownerRequests(child, owner, label)).toEqual(expected.map((name) => ({ namespace: 'ns', name })));
  });
});

/** Lists `items`; its watch stays open until aborted, and the test drives it through `emit`. */
function staticClient(items: KubeObject[]): ListWatchClient & { emit: WatchOptions['onEvent'] } {
  let onEvent: WatchOptions['onEvent'] = () => {};
  return {
    request: async <T>() => ({ metadata: { resourceVersion: '1' }, items }) as T,
    watch: (o: WatchOptions) => {
      onEvent = o.onEvent;
      return new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve()));
    },
    emit: (event) => onEvent(event),
  };
}

/**
 * Starts a controller over `primary` (with `watched` feeding it through `watch`) whose reconciler records
 * when it ran, in fake milliseconds since the start; `stop` ends the controller and both informers.
 */
async function startRecording(
  clock: FakeClock,
  primary: Informer<KubeObject>,
  watched: Informer<KubeObject>,
  watch: Omit<WatchSpec, 'informer'> | { owned: true; delayMs?: number },
) {
  const calls: number[] = [];
  const t0 = clock.now();
  const relation =
    'owned' in watch
      ? { owns: [{ informer: watched, ...(watch.delayMs ? { delayMs: watch.delayMs } : {}) }] }
      : { watches: [{ informer: watched, ...watch }] };
  const controller = new Controller(
    {
      name: 'recording',
      for: primary,
      ...relation,
      reconciler: {
        async reconcile(): Promise<ReconcileResult> {
          calls.push(clock.now() - t0);
          return {};
        },
      },
    },
    { log, metrics: createRuntimeMetrics(), clock },
  );
  primary.start();
  watched.start();
  await controller.start();
  const stop = async () => {
    await controller.stop();
    await primary.stop();
    await watched.stop();
  };
  return { calls, stop };
}

describe('Controller', () => {
  it('reconciles every primary object, retries errors with backoff and honours requeueAfter', async () => {
    const clock = new FakeClock();
    const metrics = createRuntimeMetrics();
    const parents = [
      { metadata: { namespace: 'ns', name: 'a' } },
      { metadata: { namespace: 'ns', name: 'b' } },
    ];
    const informer = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: staticClient(parents),
      log,
      clock,
    });
    const calls: string[] = [];
    let failuresLeft = 2;
    const reconciler = {
      async reconcile(req: Request): Promise<ReconcileResult> {
        calls.push(`${req.name}@${clock.now() - t0}`);
        if (req.name === 'a' && failuresLeft-- > 0) throw new Error('boom');
        if (req.name === 'b' && calls.filter((c) => c.startsWith('b')).length === 1)
          return { requeueAfterMs: 1000 };
        return {};
      },
    };
    const controller = new Controller(
      { name: 'test', for: informer, reconciler, concurrency: 2 },
      { log, metrics, clock, rateLimiter: new ItemExponentialRateLimiter(5, 1000) },
    );
    const t0 = clock.now();
    informer.start();
    await controller.start();
    await clock.advance(2000);
    expect(calls).toEqual(['a@0', 'b@0', 'a@5', 'a@15', 'b@1000']);
    const text = await metrics.registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="error"} 2');
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="success"} 2');
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="requeue_after"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="test"} 2');
    await controller.stop();
    await informer.stop();
  });

  it("tags a reconcile's log lines, its own and 'reconcile failed', with the object and one reconcileID", async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = { write: (line: string) => lines.push(JSON.parse(line)) };
    const informer = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: staticClient([{ metadata: { namespace: 'ns', name: 'a' } }]),
      log,
    });
    const controller = new Controller(
      {
        name: 'tagged',
        for: informer,
        reconciler: {
          async reconcile(
            _req: Request,
            ctx: { log: { info: (m: string) => void } },
          ): Promise<ReconcileResult> {
            ctx.log.info('working');
            throw new Error('boom');
          },
        },
      },
      {
        log: createLogger({ destination, level: 'info' }),
        metrics: createRuntimeMetrics(),
        rateLimiter: new ItemExponentialRateLimiter(60_000, 60_000),
      },
    );
    informer.start();
    await controller.start();
    await vi.waitFor(() => expect(lines.filter((l) => l.reconcileID)).toHaveLength(2));
    lines.splice(0, lines.length, ...lines.filter((l) => l.reconcileID));
    const tags = { controller: 'tagged', kind: 'ConfigMap', namespace: 'ns', name: 'a' };
    expect(lines[0]).toMatchObject({ ...tags, msg: 'working' });
    expect(lines[1]).toMatchObject({ ...tags, msg: 'reconcile failed', err: 'boom' });
    expect(lines[0]?.reconcileID).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[1]?.reconcileID).toBe(lines[0]?.reconcileID);
    await controller.stop({ drain: false });
    await informer.stop();
  });

  it('stop({ drain: true }) waits for the running reconcile and aborts its signal', async () => {
    const informer = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: staticClient([{ metadata: { namespace: 'ns', name: 'a' } }]),
      log,
    });
    let release: () => void = () => {};
    let sawAbort = false;
    let finished = false;
    const reconciler = {
      async reconcile(_req: Request, ctx: { signal: AbortSignal }): Promise<ReconcileResult> {
        await new Promise<void>((r) => {
          release = r;
        });
        sawAbort = ctx.signal.aborted;
        finished = true;
        return {};
      },
    };
    const controller = new Controller(
      { name: 'drain', for: informer, reconciler },
      { log, metrics: createRuntimeMetrics() },
    );
    informer.start();
    await controller.start();
    await flushMicrotasks();
    const stopped = controller.stop();
    await flushMicrotasks();
    expect(finished).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
    expect(sawAbort).toBe(true);
    await informer.stop();
  });

  it('aborts a reconcile at its deadline and counts it as an error, retried with backoff', async () => {
    const informer = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: staticClient([{ metadata: { namespace: 'ns', name: 'slow' } }]),
      log,
    });
    const aborted: boolean[] = [];
    const reconciler = {
      async reconcile(_req: Request, ctx: { signal: AbortSignal }): Promise<ReconcileResult> {
        // A reconcile stuck on something slow, which it stops when its signal aborts.
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
        aborted.push(ctx.signal.aborted);
        return {};
      },
    };
    const metrics = createRuntimeMetrics();
    const controller = new Controller(
      { name: 'deadline', for: informer, reconciler },
      { log, metrics, reconcileTimeoutMs: 50 },
    );
    informer.start();
    await controller.start();
    await vi.waitFor(async () => {
      const text = await metrics.registry.metrics();
      expect(text).toContain('controller_runtime_reconcile_errors_total{controller="deadline"} 1');
    });
    expect(aborted[0]).toBe(true);
    await controller.stop({ drain: false });
    await informer.stop();
  });

  it('starts no worker before every cache the reconciler may read (deps.caches) is synced', async () => {
    const primary = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: staticClient([{ metadata: { namespace: 'ns', name: 'a' } }]),
      log,
    });
    const other = new Informer<KubeObject>({
      type: coreTypes.secret,
      client: staticClient([{ metadata: { namespace: 'ns', name: 's' } }]),
      log,
    });
    const seen: string[] = [];
    const reconciler = {
      async reconcile(req: Request): Promise<ReconcileResult> {
        // What a reconciler reading the other cache would find.
        seen.push(`${req.name}:${other.store.get('ns', 's') ? 'found' : 'missing'}`);
        return {};
      },
    };
    const controller = new Controller(
      { name: 'caches', for: primary, reconciler },
      { log, metrics: createRuntimeMetrics(), caches: () => [primary, other] },
    );
    primary.start();
    const starting = controller.start();
    await flushMicrotasks();
    expect(seen).toEqual([]);
    other.start();
    await starting;
    await flushMicrotasks();
    expect(seen).toEqual(['a:found']);
    await controller.stop();
    await primary.stop();
    await other.stop();
  });

  it('drops updates its predicate rejects and enqueues a watch mapping only after delayMs', async () => {
    const clock = new FakeClock();
    const primary = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: staticClient([{ metadata: { namespace: 'ns', name: 'a' } }]),
      log,
      clock,
    });
    // The watched kind's watch stream is driven by the test through `emit`.
    const { emit, ...watchedClient } = staticClient([
      { metadata: { namespace: 'ns', name: 's', resourceVersion: '1', labels: { to: 'a' } } },
    ]);
    const watched = new Informer<KubeObject>({ type: coreTypes.secret, client: watchedClient, log, clock });
    const { calls, stop } = await startRecording(clock, primary, watched, {
      map: (o) => [{ namespace: 'ns', name: o.metadata?.labels?.to ?? '' }],
      predicate: specOrMetadataChanged,
      delayMs: 1000,
    });
    await clock.advance(1500);
    // The primary add at once; the watched object's add 1 s later.
    expect(calls).toEqual([0, 1000]);

    const secret = (rv: string, labels: Record<string, string>, status?: unknown) => ({
      metadata: { namespace: 'ns', name: 's', resourceVersion: rv, labels },
      ...(status ? { status } : {}),
    });
    emit({ type: 'MODIFIED', object: secret('2', { to: 'a' }, { phase: 'changed by the server' }) });
    await clock.advance(2000);
    expect(calls).toEqual([0, 1000]); // only status and resourceVersion changed: dropped

    emit({ type: 'MODIFIED', object: secret('3', { to: 'a', edited: 'by hand' }) });
    await clock.advance(900);
    expect(calls).toEqual([0, 1000]); // not yet: delayed
    await clock.advance(200);
    expect(calls).toEqual([0, 1000, 4500]); // emitted at 3500 ms, enqueued 1 s later
    await stop();
  });

  it('turns a burst of owned-child events into one reconcile of the owner after delayMs', async () => {
    const clock = new FakeClock();
    const primary = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: staticClient([{ metadata: { namespace: 'ns', name: 'a', uid: 'uid-a' } }]),
      log,
      clock,
    });
    const child = (rv: string, replicas: number) => ({
      metadata: {
        namespace: 'ns',
        name: 'a-child',
        resourceVersion: rv,
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'uid-a', controller: true }],
      },
      status: { readyReplicas: replicas },
    });
    const { emit, ...childClient } = staticClient([child('1', 0)]);
    const children = new Informer<KubeObject>({
      type: coreTypes.deployment,
      client: childClient,
      log,
      clock,
    });
    const { calls, stop } = await startRecording(clock, primary, children, { owned: true, delayMs: 1000 });
    await clock.advance(1500);
    expect(calls).toEqual([0, 1000]); // the primary at once; its cached child's add 1 s later
    // Three status updates of the child within 300 ms (pods becoming ready one by one): one reconcile.
    emit({ type: 'MODIFIED', object: child('2', 1) });
    await clock.advance(150);
    emit({ type: 'MODIFIED', object: child('3', 2) });
    await clock.advance(150);
    emit({ type: 'MODIFIED', object: child('4', 3) });
    await clock.advance(2000);
    expect(calls).toEqual([0, 1000, 2500]);
    await stop();
  });

  it('a resync reconciles every primary once; replays of watched objects do not repeat it', async () => {
    const clock = new FakeClock();
    const primary = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: staticClient([{ metadata: { namespace: 'ns', name: 'a' } }]),
      log,
      clock,
      resyncMs: 100_000,
    });
    const watched = new Informer<KubeObject>({
      type: coreTypes.secret,
      client: staticClient([{ metadata: { namespace: 'ns', name: 's' } }]),
      log,
      clock,
      resyncMs: 30_000,
    });
    const { calls, stop } = await startRecording(clock, primary, watched, {
      map: () => [{ namespace: 'ns', name: 'a' }],
    });
    await clock.advance(95_000);
    expect(calls).toEqual([0]); // the watched kind replayed three times: nothing
    await clock.advance(10_000);
    expect(calls).toEqual([0, 100_000]); // the primary's own resync
    await stop();
  });
});

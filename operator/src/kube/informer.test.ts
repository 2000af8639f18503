import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { ApiError, type RequestOptions, type WatchOptions } from './api-client.js';
import { FakeClock, flushMicrotasks } from './clock.js';
import { Informer, type ListWatchClient } from './informer.js';
import { coreTypes, type KubeObject } from './resource.js';

const log = createLogger({ level: 'silent' });
const cm = (name: string, rv: string): KubeObject => ({
  metadata: { namespace: 'ns', name, resourceVersion: rv },
});

/** Scripted API: each list returns the next scripted list; each watch runs the next scripted behaviour. */
class FakeApi implements ListWatchClient {
  lists: KubeObject[][] = [];
  watches: Array<(o: WatchOptions) => Promise<void>> = [];
  listCalls: RequestOptions[] = [];
  watchCalls: WatchOptions[] = [];

  async request<T>(opts: RequestOptions): Promise<T> {
    this.listCalls.push(opts);
    const items = this.lists.shift();
    if (!items) throw new ApiError(500, { message: 'no scripted list' }, 'list');
    return { metadata: { resourceVersion: String(10 * this.listCalls.length) }, items } as T;
  }

  watch(opts: WatchOptions): Promise<void> {
    this.watchCalls.push(opts);
    const next = this.watches.shift();
    if (next) return next(opts);
    return new Promise((resolve) => opts.signal.addEventListener('abort', () => resolve()));
  }
}

function recorder(informer: Informer<KubeObject>) {
  const events: string[] = [];
  informer.addHandler({
    onAdd: (o) => events.push(`add ${o.metadata?.name}`),
    onUpdate: (a, b) =>
      events.push(
        `update ${b.metadata?.name} ${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`,
      ),
    onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
  });
  return events;
}

describe('Informer', () => {
  it('lists, syncs, then applies watch events to the cache and handlers', async () => {
    const api = new FakeApi();
    api.lists = [[cm('a', '1'), cm('b', '2')]];
    api.watches = [
      async (o) => {
        o.onEvent({ type: 'MODIFIED', object: cm('a', '3') });
        o.onEvent({ type: 'DELETED', object: cm('b', '4') });
        o.onEvent({ type: 'ADDED', object: cm('c', '5') });
        o.onEvent({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } });
        await new Promise((r) => o.signal.addEventListener('abort', r));
      },
    ];
    const informer = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: api,
      log,
      namespaces: ['ns'],
    });
    const events = recorder(informer);
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    await flushMicrotasks();
    expect(events).toEqual(['add a', 'add b', 'update a 1->3', 'delete b', 'add c']);
    expect(informer.store.keys().sort()).toEqual(['ns/a', 'ns/c']);
    expect(informer.store.get('ns', 'a')?.kind).toBe('ConfigMap');
    expect(api.watchCalls[0]?.query.resourceVersion).toBe('10');
    expect(api.watchCalls[0]?.path).toBe('/api/v1/namespaces/ns/configmaps');
    await informer.stop();
  });

  it('sends its field selector with the list and the watch', async () => {
    const api = new FakeApi();
    api.lists = [[]];
    const informer = new Informer<KubeObject>({
      type: coreTypes.event,
      client: api,
      log,
      namespaces: ['ns'],
      fieldSelector: 'involvedObject.kind=CanaryRelease',
    });
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    await flushMicrotasks();
    expect(api.listCalls[0]?.query?.fieldSelector).toBe('involvedObject.kind=CanaryRelease');
    expect(api.watchCalls[0]?.query.fieldSelector).toBe('involvedObject.kind=CanaryRelease');
    await informer.stop();
  });

  it.each([
    ['the default transform', {}, true],
    ['a transform of its own (the slim pod cache)', { transform: (o: KubeObject) => o }, true],
    ['keepManagedFields', { transform: (o: KubeObject) => o, keepManagedFields: true }, false],
  ])('with %s, asks for list and watch answers without managedFields: %s', async (_name, opts, omit) => {
    const api = new FakeApi();
    api.lists = [[]];
    const informer = new Informer<KubeObject>({ type: coreTypes.pod, client: api, log, ...opts });
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    await flushMicrotasks();
    expect(api.listCalls[0]?.omitManagedFields).toBe(omit);
    expect(api.watchCalls[0]?.omitManagedFields).toBe(omit);
    await informer.stop();
  });
  it('relists on 410 Gone and reports deletions that happened while disconnected', async () => {
    const api = new FakeApi();
    api.lists = [[cm('a', '1'), cm('b', '2')], [cm('a', '1')]];
    api.watches = [
      async (o) => {
        o.onEvent({
          type: 'ERROR',
          object: { code: 410, reason: 'Expired', message: 'too old resource version' },
        });
      },
    ];
    const informer = new Informer<KubeObject>({ type: coreTypes.configMap, client: api, log });
    const events = recorder(informer);
    informer.start();
    await informer.waitForSync();
    for (let i = 0; i < 50 && api.listCalls.length < 2; i++) await flushMicrotasks();
    await flushMicrotasks();
    expect(api.listCalls).toHaveLength(2);
    expect(informer.stats.relistsOnGone).toBe(1);
    expect(events).toEqual(['add a', 'add b', 'delete b']);
    expect(api.watchCalls[1]?.query.resourceVersion).toBe('20');
    await informer.stop();
  });

  it('retries a failed watch after backoff, resuming from the last resourceVersion', async () => {
    const clock = new FakeClock();
    const api = new FakeApi();
    api.lists = [[cm('a', '1')]];
    api.watches = [
      async (o) => {
        o.onEvent({ type: 'MODIFIED', object: cm('a', '7') });
        throw new Error('socket hang up');
      },
    ];
    const informer = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: api,
      log,
      clock,
      backoff: { initialMs: 1000, maxMs: 1000 },
    });
    informer.start();
    await informer.waitForSync();
    await flushMicrotasks();
    expect(informer.stats.errors).toBe(1);
    expect(api.watchCalls).toHaveLength(1);
    await clock.advance(1000);
    expect(api.watchCalls).toHaveLength(2);
    expect(api.watchCalls[1]?.query.resourceVersion).toBe('7');
    expect(api.listCalls).toHaveLength(1);
    await informer.stop();
  });

  it('replays every cached object as an update on each resync period', async () => {
    const clock = new FakeClock();
    const api = new FakeApi();
    api.lists = [[cm('a', '1'), cm('b', '2')]];
    const informer = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: api,
      log,
      clock,
      resyncMs: 60_000,
    });
    const events = recorder(informer);
    informer.start();
    await informer.waitForSync();
    await clock.advance(120_000);
    expect(events.filter((e) => e.startsWith('update'))).toEqual([
      'update a 1->1',
      'update b 2->2',
      'update a 1->1',
      'update b 2->2',
    ]);
    await informer.stop();
    await clock.advance(60_000);
    expect(events.filter((e) => e.startsWith('update'))).toHaveLength(4);
  });

  it('setResyncPeriod turns the replay on before start and refuses once started', async () => {
    const clock = new FakeClock();
    const api = new FakeApi();
    api.lists = [[cm('a', '1')]];
    const informer = new Informer<KubeObject>({ type: coreTypes.configMap, client: api, log, clock });
    expect(informer.resyncPeriodMs).toBe(0);
    informer.setResyncPeriod(30_000);
    const events = recorder(informer);
    informer.start();
    await informer.waitForSync();
    await clock.advance(60_000);
    expect(events.filter((e) => e.startsWith('update'))).toEqual(['update a 1->1', 'update a 1->1']);
    expect(() => informer.setResyncPeriod(0)).toThrow(/before start/);
    await informer.stop();
  });

  it('hasSynced waits for every watched namespace and stop() ends all loops without error', async () => {
    const api = new FakeApi();
    api.lists = [[cm('a', '1')], []];
    const informer = new Informer<KubeObject>({
      type: coreTypes.configMap,
      client: api,
      log,
      namespaces: ['x', 'y'],
    });
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    expect(api.listCalls.map((c) => c.path).sort()).toEqual([
      '/api/v1/namespaces/x/configmaps',
      '/api/v1/namespaces/y/configmaps',
    ]);
    await informer.stop();
    expect(informer.running).toBe(false);
    expect(informer.stats.errors).toBe(0);
  });
});

/**
 * The agent-army controller runtime. REST and watch traffic is plain JSON through `KubeClient`; auth and
 * TLS come from `kube-access.ts` (in-cluster ServiceAccount or a plain kubeconfig read directly;
 * @kubernetes/client-node 1.4's KubeConfig is loaded only for exec/auth-provider plugins and proxies).
 *
 * Writing a controller
 * --------------------
 *   const mgr = new Manager({ config });                       // config from loadConfig()
 *   const armies = mgr.informer<AgentArmy>(agentArmyType);     // shared, cached informers; a controller's
 *                                                              // `for` kind is replayed every resync period
 *   const deployments = mgr.informer(coreTypes.deployment);    // every informer indexes `ownerUid`
 *   const versions = mgr.informer<AgentVersion>(agentVersionType);
 *   mgr.addController({
 *     name: 'agentarmy',
 *     for: armies,                                             // primary kind → key namespace/name
 *     owns: [{ informer: deployments }],                       // child → its controller ownerReference
 *     watches: [{ informer: versions, map: (v) => armiesUsing(v) }],
 *     // owns/watches may add `predicate: specOrMetadataChanged` (drop status-only updates of a child
 *     // the reconciler never reads the status of) and watches `delayMs` (coalesce a burst into one run).
 *     concurrency: config.concurrency,
 *     reconciler: { reconcile: async (req, ctx) => { ... return {}; } },
 *   });
 *   await mgr.start();   // controllers run only while this replica holds the Lease
 *
 * A reconcile is level-based: observe → decide (pure) → apply → patch status once → result.
 *  - observe: read ONLY from informer stores (workers start only once every informer of the manager has
 *    synced, so an absent object is really absent): `armies.store.get(ns, name)`, `deployments.store.byIndex(
 *    ownerUidIndex, army.metadata.uid)`, `store.list({ namespace, labels })`; an absent primary object
 *    means it was deleted — return `{}` (garbage collection removes children with ownerReferences).
 *  - apply: `applyIfChanged(mgr.client, type, desired, observedChild)` server-side-applies (field manager
 *    `agent-army`, force) only when the cached child lacks a desired field, so a steady state makes no
 *    writes. Give children `metadata.ownerReferences: [controllerReference(parent)]`. Remove children no
 *    longer desired with `prune(mgr.client, type, store.list({ namespace, labels }), keepNames)`.
 *  - status: compute the whole new status (conditions via `setCondition(old, next, now)`, which moves
 *    lastTransitionTime only when status flips), then `patchStatus(mgr.client, type, observed, status)`
 *    — one merge patch, skipped when deep-equal to the observed status.
 *  - events: `mgr.events.event(obj, 'Warning', 'VersionNotFound', msg)` — aggregated and rate-limited.
 *  - result: throw → per-key exponential backoff (5 ms … 1000 s, plus a 10 qps overall bucket);
 *    `{ requeueAfterMs }` → run again later (earliest wins); `{ requeue: true }` → backoff without error.
 *  - `ctx.log` is a pino child with controller, kind, namespace, name, reconcileID; `ctx.signal` aborts
 *    on shutdown or lost leadership: stop writing and return.
 * Never mutate objects from a store; clone before changing them. Because of that, a value derived from a
 * cached object can be memoized on the object itself: `memoByObject(parse)` (memo.ts) parses each cached
 * AgentVersion once, not once per reconcile that reads it.
 *
 * Every write is counted in `agentarmy_api_writes_total{verb,kind}` (see countWrites) — assert zero at
 * steady state by excluding kind `Lease` (renewals) and `Event`.
 */
export { ApiError, isApiError, KubeClient, type WatchEvent } from './api-client.js';
export { type Clock, FakeClock, realClock, sleep } from './clock.js';
export {
  type Condition,
  type ConditionInput,
  findCondition,
  formatTime,
  isConditionTrue,
  removeCondition,
  setCondition,
} from './conditions.js';
export {
  Controller,
  type ControllerSpec,
  type OwnsSpec,
  ownerRequests,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type WatchSpec,
} from './controller.js';
export { EventRecorder, type EventType } from './events.js';
export { type EventHandler, Informer, type InformerOptions } from './informer.js';
export { deepEqual, isSubset, mergePatch } from './json-diff.js';
export { type LeaderElectionOptions, LeaderElector } from './leader-election.js';
export { type InformerRequest, Manager, type ManagerOptions } from './manager.js';
export { memoByObject } from './memo.js';
export { specOrMetadataChanged, type UpdatePredicate } from './predicates.js';
export {
  apiVersionOf,
  coreTypes,
  type KubeObject,
  keyOf,
  matchesLabels,
  type ObjectMeta,
  type OwnerReference,
  objectKey,
  type Request,
  type ResourceType,
  resourcePath,
  splitKey,
} from './resource.js';
export { byLabel, byOwnerUid, type ListFilter, ownerUidIndex, type ReadStore, Store } from './store.js';
export { WorkQueue } from './work-queue.js';
export {
  apply,
  applyIfChanged,
  controllerReference,
  deleteObject,
  fieldManager,
  patchStatus,
  prune,
  type WriteClient,
} from './writes.js';

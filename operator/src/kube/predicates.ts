// Predicates (controller-runtime's name): whether an update event of a watched object should enqueue at all.
// Resyncs replay an object as an update of itself; the controller never filters those, so a predicate
// can only drop real changes that the reconciler does not read, never the level-triggered safety net.
import { deepEqual } from './json-diff.js';
import type { KubeObject } from './resource.js';

export type UpdatePredicate = (oldObj: KubeObject, newObj: KubeObject) => boolean;

/** The object without what the server changes on its own: status, resourceVersion, managedFields. */
function withoutServerFields(o: KubeObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = o as KubeObject & { status?: unknown };
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata ?? {};
  return { ...rest, metadata: meta };
}

/**
 * True unless only status (or the resourceVersion) changed — for children whose status the reconciler never
 * reads (a PodDisruptionBudget's healthy count, a Service's load balancer), while an edit by hand, a new
 * label or a deletion mark still wakes the owner.
 */
export const specOrMetadataChanged: UpdatePredicate = (oldObj, newObj) =>
  !deepEqual(withoutServerFields(oldObj), withoutServerFields(newObj));

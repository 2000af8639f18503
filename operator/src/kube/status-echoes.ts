// The echo of a controller's own status patch. Every status write comes back through the primary informer
// as an update event; reconciling on it again only re-derives what was just written. A reconciler that
// knows its decision is a fixpoint (deciding again on the status it writes changes nothing) registers the
// status before it patches; the primary's update predicate then drops the event that brings exactly that
// status back, with spec and metadata unchanged. Anything else still wakes the controller: another
// writer's change (status.control from the kubectl plugin), a merge with a concurrent write, a server-side
// default, or a status this controller did not register. Resyncs are never filtered (see controller.ts).
import { deepEqual } from './json-diff.js';
import { specOrMetadataChanged, type UpdatePredicate } from './predicates.js';
import { type KubeObject, keyOf, objectKey, type ResourceType } from './resource.js';
import { patchStatus, type WriteClient } from './writes.js';

export class StatusEchoes {
  private readonly expected = new Map<string, unknown>();

  /** Registers the status about to be patched onto `obj` (call before the write, so no echo outruns it). */
  expect(obj: KubeObject, status: unknown): void {
    this.expected.set(keyOf(obj), status);
  }

  /** Drops the registration of an object (the write failed, or the object is gone). */
  forget(namespace: string | undefined, name: string): void {
    this.expected.delete(objectKey(namespace, name));
  }

  /**
   * writes.patchStatus, with the new status registered first when it is a change and `fixpoint()` says
   * deciding again on it would change nothing; a failed write drops the registration.
   */
  async patchStatus<S>(
    client: WriteClient,
    type: ResourceType,
    observed: KubeObject & { status?: S },
    status: S,
    fixpoint: () => boolean,
  ): Promise<boolean> {
    if (!deepEqual(observed.status ?? {}, status) && fixpoint()) this.expect(observed, status);
    try {
      return await patchStatus(client, type, observed, status);
    } catch (err) {
      this.forget(observed.metadata?.namespace, observed.metadata?.name ?? '');
      throw err;
    }
  }

  /** Registrations waiting for their echo (for tests and metrics). */
  get size(): number {
    return this.expected.size;
  }

  /**
   * The primary kind's update predicate: false (do not enqueue) only for the echo of a registered status;
   * the registration is used up by it.
   */
  readonly predicate: UpdatePredicate = (oldObj, newObj) => {
    const key = keyOf(newObj);
    if (!this.expected.has(key)) return true;
    const status = (newObj as KubeObject & { status?: unknown }).status;
    if (!deepEqual(status, this.expected.get(key))) return true;
    this.expected.delete(key);
    return specOrMetadataChanged(oldObj, newObj);
  };
}

// Write helpers for reconcilers: server-side apply of children with the operator's field manager, owner
// references for garbage collection, pruning of children no longer desired, and a status patch that is
// sent at most once and only when the status really changed. All writes go through KubeClient and are
// therefore counted in `agentarmy_api_writes_total`.
import { createHash } from 'node:crypto';
import { isApiError, type KubeClient, type RequestOptions } from './api-client.js';
import { deepEqual, isSubset, mergePatch } from './json-diff.js';
import { type KubeObject, type OwnerReference, type ResourceType, resourcePath } from './resource.js';

/** The one call the write helpers need: a KubeClient, or a recording fake in unit tests. */
export type WriteClient = Pick<KubeClient, 'request'>;

export const fieldManager = 'agent-army';

/** An owner reference making `owner` the controller of a child (GC deletes the child with its owner). */
export function controllerReference(owner: KubeObject): OwnerReference {
  const { apiVersion, kind } = owner;
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!apiVersion || !kind || !name || !uid) {
    throw new Error('owner reference needs apiVersion, kind, metadata.name and metadata.uid on the owner');
  }
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Server-side applies `obj` (force=true, field manager `agent-army` unless `manager` names another);
 * returns the object the server stored.
 */
export async function apply<T extends KubeObject>(
  client: WriteClient,
  type: ResourceType,
  obj: T,
  manager: string = fieldManager,
): Promise<T> {
  return client.request<T>(applyRequest(type, obj, manager));
}

function applyRequest(type: ResourceType, obj: KubeObject, manager: string = fieldManager): RequestOptions {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`apply ${type.kind}: metadata.name is required`);
  return {
    method: 'PATCH',
    path: resourcePath(type, obj.metadata?.namespace, name),
    query: { fieldManager: manager, force: true },
    body: obj,
    contentType: 'application/apply-patch+yaml',
    write: { verb: 'apply', kind: type.kind },
  };
}

/** The hash of the object the operator last applied to a child (what its field manager owns). */
export const APPLIED_HASH_ANNOTATION = 'agentarmy.dev/applied-hash';

/**
 * JSON with object keys sorted, so equal objects give equal text whatever their key order. Built by
 * appending to one string (no entry arrays, no per-level join): it runs for every child of every reconcile.
 * The text must stay byte for byte what it was, or every child would be re-applied once after an upgrade.
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${text}]`;
  }
  const obj = value as Record<string, unknown>;
  let text = '{';
  let first = true;
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${text}}`;
}

export function appliedHash(desired: KubeObject): string {
  return createHash('sha256')
    .update(canonicalJson(stripTypeMeta(desired)))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Applies `desired` when the observed object (from the cache) lacks something it sets, or was last
 * applied from another desired object; returns whether a write was made. The second test is what removes
 * a field the user deleted from the spec (a nodeSelector key, an env var, a limit): server-side apply
 * drops the fields the operator's field manager owned but no longer sends, while a superset check alone
 * would find nothing missing and leave them forever. The hash of what was applied rides on the child as
 * an annotation. Build `desired` in the server's canonical form (e.g. quantities) or the comparison will
 * keep finding a difference.
 */
export async function applyIfChanged<T extends KubeObject>(
  client: WriteClient,
  type: ResourceType,
  desired: T,
  observed: KubeObject | undefined,
): Promise<boolean> {
  const hash = appliedHash(desired);
  if (
    observed &&
    observed.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash &&
    isSubset(stripTypeMeta(desired), observed)
  ) {
    return false;
  }
  const stamped = {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...desired.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash },
    },
  };
  // The stored object comes back through the informer; this answer is not read.
  await client.request({ ...applyRequest(type, stamped), discardResponse: true });
  return true;
}

function stripTypeMeta(obj: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** Deletes one object (background propagation); a missing object is not an error. Returns true if deleted. */
export async function deleteObject(
  client: WriteClient,
  type: ResourceType,
  obj: KubeObject,
): Promise<boolean> {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`delete ${type.kind}: metadata.name is required`);
  const uid = obj.metadata?.uid;
  try {
    await client.request({
      method: 'DELETE',
      path: resourcePath(type, obj.metadata?.namespace, name),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: 'Background',
        ...(uid ? { preconditions: { uid } } : {}),
      },
      write: { verb: 'delete', kind: type.kind },
      discardResponse: true,
    });
    return true;
  } catch (err) {
    // 404: already gone; 409: the name now belongs to a newer object (uid precondition failed).
    if (isApiError(err, 404) || isApiError(err, 409)) return false;
    throw err;
  }
}

/**
 * Deletes the `existing` children (typically `store.list({ namespace, labels })` from the cache) whose
 * names are not in `keep`. Objects already being deleted are skipped. Returns the names deleted.
 */
export async function prune(
  client: WriteClient,
  type: ResourceType,
  existing: KubeObject[],
  keep: Iterable<string>,
): Promise<string[]> {
  const wanted = new Set(keep);
  const doomed = existing.filter(
    (o) => !wanted.has(o.metadata?.name ?? '') && !o.metadata?.deletionTimestamp,
  );
  const deleted: string[] = [];
  for (const obj of doomed) if (await deleteObject(client, type, obj)) deleted.push(obj.metadata?.name ?? '');
  return deleted;
}

/**
 * Patches the status subresource with a JSON merge patch from the observed to the new status — once, and
 * only when they differ (deep equality, key order ignored). Returns whether a write was made.
 */
export async function patchStatus<S>(
  client: WriteClient,
  type: ResourceType,
  observed: KubeObject & { status?: S },
  status: S,
): Promise<boolean> {
  if (deepEqual(observed.status ?? {}, status)) return false;
  const name = observed.metadata?.name;
  if (!name) throw new Error(`patch status of ${type.kind}: metadata.name is required`);
  await client.request({
    method: 'PATCH',
    path: resourcePath(type, observed.metadata?.namespace, name, 'status'),
    query: { fieldManager },
    body: { status: mergePatch(observed.status ?? {}, status) },
    contentType: 'application/merge-patch+json',
    write: { verb: 'patch', kind: type.kind },
    discardResponse: true,
  });
  return true;
}

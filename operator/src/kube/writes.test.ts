import { describe, expect, it } from 'vitest';
import { ApiError, type RequestOptions } from './api-client.js';
import { coreTypes, type KubeObject } from './resource.js';
import {
  APPLIED_HASH_ANNOTATION,
  appliedHash,
  apply,
  applyIfChanged,
  controllerReference,
  patchStatus,
  prune,
  type WriteClient,
} from './writes.js';

function recordingClient(fail?: ApiError): WriteClient & { calls: RequestOptions[] } {
  const calls: RequestOptions[] = [];
  return {
    calls,
    async request<T>(opts: RequestOptions): Promise<T> {
      calls.push(opts);
      if (fail) throw fail;
      return {} as T;
    },
  };
}

const army = {
  group: 'agentarmy.dev',
  version: 'v1alpha1',
  kind: 'AgentArmy',
  plural: 'agentarmies',
  namespaced: true,
};

describe('patchStatus', () => {
  const observed: KubeObject & { status?: Record<string, unknown> } = {
    metadata: { namespace: 'ns', name: 'x' },
    status: { ready: 1, phase: 'Progressing', old: true },
  };

  it('makes no request when the status is equal regardless of key order', async () => {
    const client = recordingClient();
    expect(await patchStatus(client, army, observed, { old: true, phase: 'Progressing', ready: 1 })).toBe(
      false,
    );
    expect(client.calls).toHaveLength(0);
  });

  it('sends one merge patch of only the differences to the status subresource', async () => {
    const client = recordingClient();
    expect(await patchStatus(client, army, observed, { ready: 2, phase: 'Progressing' })).toBe(true);
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0]).toMatchObject({
      method: 'PATCH',
      path: '/apis/agentarmy.dev/v1alpha1/namespaces/ns/agentarmies/x/status',
      contentType: 'application/merge-patch+json',
      body: { status: { ready: 2, old: null } },
      write: { verb: 'patch', kind: 'AgentArmy' },
    });
  });
});

describe('applyIfChanged', () => {
  const desired = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: 'ns', name: 'c' },
    data: { a: '1' },
  };

  const stamped = (
    obj: KubeObject & { data?: unknown },
    from: KubeObject & { data?: unknown } = desired,
  ) => ({
    ...obj,
    metadata: { ...obj.metadata, annotations: { [APPLIED_HASH_ANNOTATION]: appliedHash(from) } },
  });
  it.each([
    [
      'skips when the observed object has every desired field and was applied from this desired object',
      stamped({ ...desired, metadata: { ...desired.metadata, uid: 'u' } }),
      0,
    ],
    ['applies when a field was edited by hand', stamped({ ...desired, data: { a: '2' } }), 1],
    ['applies when the object does not exist', undefined, 1],
    [
      'applies when a field was removed from the desired object, though the child still has it (a superset)',
      stamped({ ...desired, data: { a: '1', removed: 'x' } }, { ...desired, data: { a: '1', removed: 'x' } }),
      1,
    ],
    ['applies once to a child applied before the hash was recorded', { ...desired }, 1],
  ])('%s', async (_name, observed: KubeObject | undefined, writes) => {
    const client = recordingClient();
    await applyIfChanged(client, coreTypes.configMap, desired, observed);
    expect(client.calls).toHaveLength(writes);
    if (writes) {
      expect(client.calls[0]).toMatchObject({
        method: 'PATCH',
        query: { fieldManager: 'agent-army', force: true },
        contentType: 'application/apply-patch+yaml',
      });
    }
  });
});

describe('apply with another field manager', () => {
  it('applies under the named manager (the hand-over of a count to the HPA)', async () => {
    const client = recordingClient();
    await apply(
      client,
      coreTypes.deployment,
      { metadata: { name: 'd', namespace: 'ns' } },
      'agent-army-handover',
    );
    expect(client.calls[0]).toMatchObject({
      method: 'PATCH',
      query: { fieldManager: 'agent-army-handover', force: true },
    });
  });
});

describe('prune', () => {
  const child = (name: string, deleting = false): KubeObject => ({
    metadata: {
      namespace: 'ns',
      name,
      uid: `uid-${name}`,
      ...(deleting ? { deletionTimestamp: 'now' } : {}),
    },
  });

  it('deletes only undesired children that are not already being deleted, with a uid precondition', async () => {
    const client = recordingClient();
    const deleted = await prune(
      client,
      coreTypes.configMap,
      [child('keep'), child('old'), child('gone', true)],
      ['keep'],
    );
    expect(deleted).toEqual(['old']);
    expect(client.calls.map((c) => [c.method, c.path])).toEqual([
      ['DELETE', '/api/v1/namespaces/ns/configmaps/old'],
    ]);
    expect(client.calls[0]?.body).toMatchObject({
      preconditions: { uid: 'uid-old' },
      propagationPolicy: 'Background',
    });
  });

  it('treats an object that is already gone as pruned elsewhere, not as an error', async () => {
    const client = recordingClient(new ApiError(404, { reason: 'NotFound' }, 'delete'));
    expect(await prune(client, coreTypes.configMap, [child('old')], [])).toEqual([]);
  });
});

describe('controllerReference', () => {
  it('builds a controlling, deletion-blocking reference', () => {
    const owner = {
      apiVersion: 'agentarmy.dev/v1alpha1',
      kind: 'AgentArmy',
      metadata: { name: 'a', uid: 'u1' },
    };
    expect(controllerReference(owner)).toEqual({
      apiVersion: 'agentarmy.dev/v1alpha1',
      kind: 'AgentArmy',
      name: 'a',
      uid: 'u1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it('names what is missing when the owner has no uid', () => {
    expect(() =>
      controllerReference({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }),
    ).toThrow(/metadata.uid/);
  });
});

describe('appliedHash', () => {
  it('ignores key order and type meta, and changes with any value', () => {
    const a = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns' },
      data: { x: '1', y: '2' },
    };
    const b = { metadata: { namespace: 'ns', name: 'c' }, data: { y: '2', x: '1' } };
    expect(appliedHash(a)).toBe(appliedHash(b));
    expect(appliedHash({ ...b, data: { x: '1' } } as KubeObject)).not.toBe(appliedHash(b));
  });

  it('gives the same hash as every earlier release for the same object (no child is re-applied after an upgrade)', () => {
    // Pinned from the hash the previous implementation gave this object: key order (code units, so 'B' <
    // 'a' < 'é'), undefined values dropped, nested arrays, numbers, booleans and escaped strings.
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'd',
        namespace: 'ns',
        labels: { b: '2', a: '1', B: '3', é: '4' },
        annotations: undefined,
      },
      spec: {
        replicas: 3,
        paused: false,
        selector: { matchLabels: { a: '1' } },
        list: [{ z: 1, y: [null, 'x', { q: undefined, p: 0.5 }] }, 'quote"d'],
        empty: {},
        none: [],
      },
    };
    expect(appliedHash(obj as unknown as KubeObject)).toBe('2040334afec8d166');
  });
});

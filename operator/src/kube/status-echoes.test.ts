import { describe, expect, it } from 'vitest';
import type { RequestOptions } from './api-client.js';
import type { KubeObject } from './resource.js';
import { StatusEchoes } from './status-echoes.js';

type Obj = KubeObject & { spec?: unknown; status?: unknown };
const army = (status: unknown, rv: string, extra: Partial<Obj> = {}): Obj => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: { namespace: 'team', name: 'support', generation: 1, resourceVersion: rv },
  spec: { agents: [] },
  status,
  ...extra,
});
const written = { phase: 'Ready', ready: '1/1' };
const before = army({ phase: 'Progressing', ready: '0/1' }, '10');

describe('StatusEchoes.predicate', () => {
  it.each([
    ['the echo of the registered status is dropped', army(written, '11'), true, false],
    ['an update that was never registered wakes the controller', army(written, '11'), false, true],
    [
      'a status merged with another writer (status.control) wakes it',
      army({ ...written, control: { id: 'r1', action: 'promote' } }, '11'),
      true,
      true,
    ],
    [
      'the registered status arriving with a spec change wakes it',
      army(written, '11', { spec: { agents: [{ name: 'x', version: 'v2' }] } }),
      true,
      true,
    ],
    [
      'the registered status arriving with a new label wakes it',
      {
        ...army(written, '11'),
        metadata: { namespace: 'team', name: 'support', generation: 1, labels: { a: 'b' } },
      },
      true,
      true,
    ],
  ])('%s', (_name, after, registered, wakes) => {
    const echoes = new StatusEchoes();
    if (registered) echoes.expect(before, written);
    expect(echoes.predicate(before, after)).toBe(wakes);
  });

  it('uses a registration up on its echo: the same status arriving again wakes the controller', () => {
    const echoes = new StatusEchoes();
    echoes.expect(before, written);
    expect(echoes.predicate(before, army(written, '11'))).toBe(false);
    expect(echoes.size).toBe(0);
    expect(echoes.predicate(army(written, '11'), army(written, '12'))).toBe(true);
  });

  it('keeps a registration while other updates come first, and forgets it on request', () => {
    const echoes = new StatusEchoes();
    echoes.expect(before, written);
    expect(echoes.predicate(before, army({ phase: 'Progressing', ready: '0/1', x: 1 }, '11'))).toBe(true);
    expect(echoes.size).toBe(1);
    echoes.forget('team', 'support');
    expect(echoes.predicate(before, army(written, '12'))).toBe(true);
  });

  it('tells objects apart by namespace and name', () => {
    const echoes = new StatusEchoes();
    echoes.expect(before, written);
    const other = { ...army(written, '11'), metadata: { namespace: 'team', name: 'other', generation: 1 } };
    expect(echoes.predicate({ ...before, metadata: other.metadata }, other)).toBe(true);
  });
});

describe('StatusEchoes.patchStatus', () => {
  const type = {
    group: 'agentarmy.dev',
    version: 'v1alpha1',
    kind: 'AgentArmy',
    plural: 'agentarmies',
    namespaced: true,
  };
  const client = (fail = false) => {
    const sent: RequestOptions[] = [];
    return {
      sent,
      async request<T>(opts: RequestOptions): Promise<T> {
        sent.push(opts);
        if (fail) throw new Error('conflict');
        return undefined as T;
      },
    };
  };

  it.each([
    ['a changed status that is a fixpoint is registered, then written', written, true, 1, 1],
    ['a changed status that is no fixpoint is written unregistered', written, false, 1, 0],
    ['an unchanged status is neither written nor registered', before.status, true, 0, 0],
  ])('%s', async (_name, status, fixpoint, writes, registered) => {
    const echoes = new StatusEchoes();
    const c = client();
    expect(await echoes.patchStatus(c, type, before, status, () => fixpoint)).toBe(writes === 1);
    expect(c.sent).toHaveLength(writes);
    expect(echoes.size).toBe(registered);
  });

  it('drops the registration when the write fails', async () => {
    const echoes = new StatusEchoes();
    await expect(echoes.patchStatus(client(true), type, before, written, () => true)).rejects.toThrow(
      'conflict',
    );
    expect(echoes.size).toBe(0);
  });
});

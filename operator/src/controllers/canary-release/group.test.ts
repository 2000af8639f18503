import { describe, expect, it } from 'vitest';
import type { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/resource.js';
import { Store } from '../../kube/store.js';
import { version } from '../../rollout/fixtures.test-util.js';
import { siblingKeys } from './group.js';
import { observeRelease, type ReleaseInformers } from './observe.js';

const ns = 'team';
const rel = (name: string, agent: string, extra: Record<string, unknown> = {}, army = 'support') => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'CanaryRelease',
  metadata: { name, namespace: ns, uid: name },
  spec: {
    targetRef: { army, agent },
    lockstep: { group: 'g' },
    steps: [{ setWeight: 30 }, { pause: {} }],
    ...extra,
  },
});
const canaryAgent = (name: string, version: string, release = name) => ({
  name,
  version,
  replicas: 2,
  strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: release } } },
});
const army = (agents: unknown[]) => ({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: { name: 'support', namespace: ns, uid: 'a' },
  spec: { agents },
  status: {
    agents: [
      { name: 'orch', phase: 'Ready', stableVersion: 'o1' },
      { name: 'retr', phase: 'Ready', stableVersion: 'r1' },
    ],
  },
});

function informers(releases: KubeObject[], armies: KubeObject[]): ReleaseInformers {
  const inf = (items: KubeObject[] = []) => {
    const store = new Store<KubeObject>();
    for (const o of items) store.upsert(o);
    return { store } as unknown as Informer<KubeObject>;
  };
  return {
    releases: inf(releases),
    armies: inf(armies),
    // AgentVersions in the cache: the army's desired version is resolved through them.
    versions: inf(
      ['o1', 'o2', 'r1', 'r2'].map(
        (n, i) =>
          ({ ...version(n, `1.${i}.0`), metadata: { name: n, namespace: ns } }) as unknown as KubeObject,
      ),
    ),
    deployments: inf(),
    pods: inf(),
    jobs: inf(),
  };
}

describe('lockstep observe: the other members of the group', () => {
  const agents = [canaryAgent('orch', 'o2'), canaryAgent('retr', 'r2')];

  it('lists the other members of the same army and group with the versions the army asks for their agents', () => {
    const others = [
      rel('retr', 'retr'),
      rel('other-group', 'x', { lockstep: { group: 'h' } }),
      rel('other-army', 'orch', {}, 'billing'),
      rel('no-group', 'y', { lockstep: undefined }),
    ];
    const o = observeRelease(informers([rel('orch', 'orch'), ...others], [army(agents)]), ns, 'orch');
    if (o.kind !== 'ok') throw new Error(JSON.stringify(o));
    expect(o.obs.group?.name).toBe('g');
    expect(o.obs.group?.members).toEqual([
      { name: 'retr', agent: 'retr', steps: 2, status: undefined, desiredVersion: 'r2', stableVersion: 'r1' },
    ]);
    expect(o.groupProblem).toBeUndefined();
  });

  it('a member that does not drive its agent (not its canaryReleaseRef) has no desired version', () => {
    const wrongRef = [canaryAgent('orch', 'o2'), canaryAgent('retr', 'r2', 'someone-else')];
    const o = observeRelease(
      informers([rel('orch', 'orch'), rel('retr', 'retr')], [army(wrongRef)]),
      ns,
      'orch',
    );
    if (o.kind !== 'ok') throw new Error(JSON.stringify(o));
    expect(o.obs.group?.members[0]?.desiredVersion).toBeUndefined();
  });

  it('reports members with different step counts, naming spec.steps', () => {
    const short = rel('retr', 'retr', { steps: [{ setWeight: 30 }] });
    const o = observeRelease(informers([rel('orch', 'orch'), short], [army(agents)]), ns, 'orch');
    if (o.kind !== 'ok') throw new Error(JSON.stringify(o));
    expect(o.groupProblem).toMatch(/^spec\.steps: .*\(orch: 2, retr: 1\)/);
  });

  it('maps a member to the keys of the other members only', () => {
    const releases = [
      rel('orch', 'orch'),
      rel('retr', 'retr'),
      rel('other-group', 'x', { lockstep: { group: 'h' } }),
    ];
    const inf = informers(releases, []);
    expect(siblingKeys(inf.releases, releases[0] as KubeObject)).toEqual([{ namespace: ns, name: 'retr' }]);
    expect(siblingKeys(inf.releases, rel('solo', 'z', { lockstep: undefined }) as KubeObject)).toEqual([]);
  });
});

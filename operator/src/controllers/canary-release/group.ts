// observe for a release's lockstep group (spec.lockstep): the other releases of the same army and namespace
// with the same group, each with its status and the versions the army asks and runs for its agent, from
// the caches. The decisions (barrier, group rollback) are rollout/canary/lockstep.ts's.
import type { AgentArmy, AgentVersion, CanaryRelease } from '../../api/v1alpha1/index.js';
import type { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/resource.js';
import { groupProblem } from '../../rollout/canary/lockstep.js';
import type { GroupMember, GroupObserved } from '../../rollout/canary/types.js';
import { parseCachedRelease } from '../cached-parse.js';
import { agentVersions } from './agent-versions.js';

type Raw = KubeObject & { spec?: { targetRef?: { army?: string }; lockstep?: { group?: string } } };

/** The releases in `namespace` of lockstep group `group` of army `army` (raw, from the cache). */
export function groupReleases(
  releases: Informer<KubeObject>,
  namespace: string,
  army: string,
  group: string,
): KubeObject[] {
  return releases.store
    .list({ namespace })
    .filter((r) => (r as Raw).spec?.lockstep?.group === group && (r as Raw).spec?.targetRef?.army === army);
}

/** The other members of a release's group (the key of every one), for waking them on its changes. */
export function siblingKeys(releases: Informer<KubeObject>, r: KubeObject) {
  const spec = (r as Raw).spec;
  const group = spec?.lockstep?.group;
  const army = spec?.targetRef?.army;
  const namespace = r.metadata?.namespace ?? '';
  if (!group || !army) return [];
  return groupReleases(releases, namespace, army, group)
    .filter((o) => o.metadata?.name !== r.metadata?.name)
    .map((o) => ({ namespace, name: o.metadata?.name ?? '' }));
}

/** The members of `release`'s group besides itself, and what makes the group unusable, if anything. */
export function observeGroup(
  inf: { releases: Informer<KubeObject>; deployments: Informer<KubeObject> },
  release: CanaryRelease,
  army: AgentArmy,
  version: (avName: string | undefined) => AgentVersion | undefined,
): { group: GroupObserved; problem?: string } {
  const name = release.metadata.name ?? '';
  const namespace = release.metadata.namespace ?? '';
  const group = release.spec.lockstep?.group ?? '';
  const members: GroupMember[] = [];
  for (const raw of groupReleases(inf.releases, namespace, release.spec.targetRef.army, group)) {
    if (raw.metadata?.name === name || raw.metadata?.deletionTimestamp) continue;
    const parsed = parseCachedRelease(raw);
    if (!parsed.ok) continue; // an invalid member reports InvalidSpec itself and holds nobody
    const m = parsed.value;
    const agent = army.spec.agents.find((a) => a.name === m.spec.targetRef.agent);
    // Only a member that drives its agent can start a release; another one never holds the group.
    const drives =
      agent?.strategy.type === 'Canary' && agent.strategy.canary?.canaryReleaseRef.name === m.metadata.name;
    const versions =
      agent && drives ? agentVersions(inf.deployments, namespace, army, agent, version) : undefined;
    members.push({
      name: m.metadata.name ?? '',
      agent: m.spec.targetRef.agent,
      steps: m.spec.steps.length,
      status: m.status,
      desiredVersion: versions?.desiredVersion,
      stableVersion: versions?.stableVersion,
    });
  }
  members.sort((a, b) => a.name.localeCompare(b.name));
  const self = { name, agent: release.spec.targetRef.agent, steps: release.spec.steps.length };
  const problem = groupProblem(group, self, members);
  return { group: { name: group, members }, ...(problem ? { problem } : {}) };
}

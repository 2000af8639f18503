// observe for a CanaryRelease: the release, its target army agent (desired version through the semver
// guard, stable version), the agent's stable and canary Deployments and canary pods — from the caches.
import type { AgentArmy, AgentVersion, CanaryRelease } from '../../api/v1alpha1/index.js';
import type { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/resource.js';
import { currentReplicas } from '../../rollout/autoscale.js';
import type { CanaryObserved } from '../../rollout/canary/types.js';
import { childName } from '../../rollout/labels.js';
import { crashLoop } from '../../rollout/track-health.js';
import type { RouteHandback } from '../../rollout/traffic/http-route.js';
import { agentPods } from '../agent-pods.js';
import { parseCachedArmy, parseCachedRelease, parseCachedVersion } from '../cached-parse.js';
import { agentVersions } from './agent-versions.js';
import { observeGroup } from './group.js';
import { hasRouteFinalizer } from './route-handback.js';

export interface ReleaseInformers {
  releases: Informer<KubeObject>;
  armies: Informer<KubeObject>;
  versions: Informer<KubeObject>;
  deployments: Informer<KubeObject>;
  /** The operator's agent pods, slimmed (agent-pods.ts); the canary's are read for crash loops. */
  pods: Informer<KubeObject>;
  /** The evaluation Jobs of releases (evaluation.ts). */
  jobs: Informer<KubeObject>;
}

export type ReleaseObservation =
  | { kind: 'gone' }
  /** Deleted, still held by the route finalizer: give the route back (`to`), then let go. */
  | { kind: 'deleting'; raw: KubeObject; release?: CanaryRelease; to: RouteHandback }
  | { kind: 'invalid'; raw: KubeObject; problems: string }
  /** `handback`: what to do with a route the release weighted (none while the army is merely invalid). */
  | { kind: 'noTarget'; raw: KubeObject; release: CanaryRelease; message: string; handback?: RouteHandback }
  | {
      kind: 'ok';
      raw: KubeObject;
      obs: CanaryObserved;
      army: AgentArmy;
      agent: Agent;
      /** spec.lockstep cannot work as asked (two members on one agent, different step counts). */
      groupProblem?: string;
      semver: (avName: string | undefined) => string | undefined;
      /** The parsed AgentVersion of that name in the release's namespace, from the cache. */
      version: (avName: string | undefined) => AgentVersion | undefined;
    };

// The caches hold the server's JSON; V1Deployment differs only in timestamp types, which are not read.
type Dep = CanaryObserved['stable']['deployment'];
type Agent = AgentArmy['spec']['agents'][number];

type Target = { army: AgentArmy; agent: Agent } | { message: string; handback?: RouteHandback };

/** The release's target agent, or why it has none and where its route goes meanwhile. */
function findTarget(inf: ReleaseInformers, release: CanaryRelease): Target {
  const namespace = release.metadata.namespace ?? '';
  const { army: armyName, agent: agentName } = release.spec.targetRef;
  const armyRaw = inf.armies.store.get(namespace, armyName);
  // A deleted army's Services go with it: the route must not keep pointing at them.
  if (!armyRaw) return { message: `spec.targetRef.army: AgentArmy ${armyName} not found`, handback: 'none' };
  if (armyRaw.metadata?.deletionTimestamp)
    return { message: `spec.targetRef.army: AgentArmy ${armyName} is being deleted`, handback: 'none' };
  const armyParsed = parseCachedArmy(armyRaw);
  // An invalid army keeps its children as they are: so does the route.
  if (!armyParsed.ok) return { message: `spec.targetRef.army: AgentArmy ${armyName} is invalid` };
  const army = armyParsed.value;
  const agent = army.spec.agents.find((a) => a.name === agentName);
  if (!agent)
    return {
      message: `spec.targetRef.agent: AgentArmy ${armyName} has no agent ${agentName}`,
      handback: 'none',
    };
  const name = release.metadata.name;
  if (agent.strategy.type !== 'Canary' || agent.strategy.canary?.canaryReleaseRef.name !== name) {
    return {
      message: `spec.targetRef: agent ${agentName} of ${armyName} does not use strategy Canary with canaryReleaseRef ${name}`,
      handback: 'stable',
    };
  }
  return { army, agent };
}

export function observeRelease(inf: ReleaseInformers, namespace: string, name: string): ReleaseObservation {
  const raw = inf.releases.store.get(namespace, name);
  if (!raw) return { kind: 'gone' };
  const parsed = parseCachedRelease(raw);
  if (raw.metadata?.deletionTimestamp) {
    if (!hasRouteFinalizer(raw)) return { kind: 'gone' };
    if (!parsed.ok) return { kind: 'deleting', raw, to: 'stable' };
    const target = findTarget(inf, parsed.value);
    const to = 'army' in target ? 'stable' : (target.handback ?? 'stable');
    return { kind: 'deleting', raw, release: parsed.value, to };
  }
  if (!parsed.ok) return { kind: 'invalid', raw, problems: parsed.error.message };
  const release = parsed.value;
  const target = findTarget(inf, release);
  if (!('army' in target)) return { kind: 'noTarget', raw, release, ...target };
  const { army, agent } = target;
  const { army: armyName, agent: agentName } = release.spec.targetRef;

  const version = (n: string | undefined) => {
    const obj = n ? inf.versions.store.get(namespace, n) : undefined;
    const r = obj ? parseCachedVersion(obj) : undefined;
    return r?.ok ? r.value : undefined;
  };
  const { desiredVersion, stableVersion, stableDep } = agentVersions(
    inf.deployments,
    namespace,
    army,
    agent,
    version,
  );
  const ref = { army: armyName, agent: agentName };
  // The caches hold the server's JSON; V1Deployment differs only in timestamp types, which are not read.
  const canaryDep = inf.deployments.store.get(namespace, childName(ref, 'canary')) as unknown as Dep;
  const toVersion = release.status?.toVersion;
  const pods = agentPods(inf.pods.store, namespace, armyName, agentName, 'canary');
  const crash = toVersion ? crashLoop(pods, toVersion) : { crashLooping: false };
  const canaryAv = version(toVersion);
  const askedModel = canaryAv?.spec.model.name;
  const canaryModel = toVersion && askedModel ? { version: toVersion, model: askedModel } : undefined;
  const obs: CanaryObserved = {
    release,
    desiredVersion,
    stableVersion,
    ...(canaryModel !== undefined ? { canaryModel } : {}),
    judged: Object.fromEntries(
      [toVersion, desiredVersion].flatMap((n) => {
        const av = version(n);
        return n && av ? [[n, av.spec.judge !== undefined]] : [];
      }),
    ),
    // The same size the army controller renders from (plan-canary-agent.ts): the HPA's count of stable.
    totalReplicas: currentReplicas(agent, stableDep),
    ...(agent.autoscaling ? { autoscaledMax: agent.autoscaling.maxReplicas } : {}),
    canary: {
      deployment: canaryDep,
      crashLooping: crash.crashLooping,
      ...(crash.message ? { crashMessage: crash.message } : {}),
    },
    stable: { deployment: stableDep },
  };
  const group = release.spec.lockstep ? observeGroup(inf, release, army, version) : undefined;
  if (group) obs.group = group.group;
  return {
    kind: 'ok',
    raw,
    obs,
    army,
    agent,
    ...(group?.problem ? { groupProblem: group.problem } : {}),
    semver: (n) => version(n)?.spec.version,
    version,
  };
}

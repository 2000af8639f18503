// The versions of one agent of an army as a release sees them: the one the army asks for (through the
// semver guard) and the one its stable track runs. Read for the release's own agent and for the agents
// of the other members of its lockstep group.
import type { AgentArmy, AgentVersion } from '../../api/v1alpha1/index.js';
import type { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/resource.js';
import type { CanaryObserved } from '../../rollout/canary/types.js';
import { childName } from '../../rollout/labels.js';
import { rolloutComplete, runningVersionName } from '../../rollout/track-health.js';
import { releaseDesiredVersion } from '../../rollout/upgrade-guard.js';

// The caches hold the server's JSON; V1Deployment differs only in timestamp types, which are not read.
type Dep = CanaryObserved['stable']['deployment'];
type Agent = AgentArmy['spec']['agents'][number];

/**
 * The version the army asks for an agent (through the semver guard) and the one its stable track runs
 * (the army's status, else a finished rollout of `<army>-<agent>`).
 */
export function agentVersions(
  deployments: Informer<KubeObject>,
  namespace: string,
  army: AgentArmy,
  agent: Agent,
  version: (avName: string | undefined) => AgentVersion | undefined,
) {
  const ref = { army: army.metadata.name ?? '', agent: agent.name };
  const stableDep = deployments.store.get(namespace, childName(ref, 'stable')) as unknown as Dep;
  const previous = army.status?.agents?.find((a) => a.name === agent.name);
  const liveName = runningVersionName(stableDep);
  const stableVersion =
    previous?.stableVersion ?? (liveName && rolloutComplete(stableDep, liveName) ? liveName : undefined);
  const desiredAv = version(agent.version);
  const desiredVersion = desiredAv
    ? releaseDesiredVersion(version(stableVersion), desiredAv, agent).name
    : (stableVersion ?? agent.version);
  return { desiredVersion, stableVersion, stableDep };
}

// The plan for one agent with strategy BlueGreen. All progress lives in the agent's entry of the army's
// status.agents; decideBlueGreen (rollout/blue-green/) turns it, the live color Deployments, the active Service's
// selector and the army's status.control into the next state, and this renders the two colors and the two
// Services from it. Pure: the pre-promotion analysis measurement is taken by the reconciler, which passes
// the re-assessed run back through ObservedArmy.analyses.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Agent, AgentStatus } from '../../api/v1alpha1/index.js';
import { currentReplicas } from '../../rollout/autoscale.js';
import { decideBlueGreen } from '../../rollout/blue-green/decide.js';
import type { BlueGreenObserved, Color } from '../../rollout/blue-green/types.js';
import { childName, LABEL } from '../../rollout/labels.js';
import { minimumReplicas, renderHpa, renderPdb } from '../../rollout/render/render-service.js';
import { type ResolvedVersion, renderBlueGreenChildren } from '../../rollout/render/render-tracks.js';
import { crashLoop } from '../../rollout/track-health.js';
import { serviceSelectorRouter } from '../../rollout/traffic/service-selector.js';
import { releaseDesiredVersion } from '../../rollout/upgrade-guard.js';
import { type AgentPlan, resolveVersion, type Unresolved, unrenderable } from './agent-plan.js';
import type { ObservedArmy } from './observed.js';

const COLORS = ['blue', 'green'] as const;

/** The color the live active Service `<army>-<agent>` selects (the Service selector router's status). */
export function activeServiceColor(obs: ObservedArmy, agent: Agent): Color | undefined {
  const namespace = obs.army.metadata.namespace ?? 'default';
  const ref = { army: obs.army.metadata.name ?? '', agent: agent.name };
  const router = serviceSelectorRouter({ namespace, ref, stable: 'blue', canary: 'green' });
  const weight = router.status(obs.children.services.get(childName(ref)));
  return weight === undefined ? undefined : weight === 100 ? 'green' : 'blue';
}

/** What decideBlueGreen needs for this agent, from the army observation. */
export function blueGreenObserved(
  obs: ObservedArmy,
  agent: Agent,
  desiredVersion: string,
): BlueGreenObserved {
  const ref = { army: obs.army.metadata.name ?? '', agent: agent.name };
  const deployments: BlueGreenObserved['deployments'] = {};
  for (const c of COLORS) {
    const d = obs.children.deployments.get(childName(ref, c));
    if (d) deployments[c] = d;
  }
  const status = obs.army.status;
  const active = activeServiceColor(obs, agent);
  const previous = status?.agents?.find((a) => a.name === agent.name);
  // With autoscaling the HPA sizes the active color; the preview (and the old color) match its count.
  const activeNow = previous?.activeColor ?? active ?? 'blue';
  const analysis = obs.analyses?.get(agent.name);
  const pods = (obs.pods ?? []).filter((p) => p.metadata?.labels?.[LABEL.agent] === agent.name);
  const crash = crashLoop(pods, desiredVersion);
  return {
    agent: { ...agent, version: desiredVersion },
    previous,
    totalReplicas: currentReplicas(agent, deployments[activeNow]),
    deployments,
    ...(active ? { activeServiceColor: active } : {}),
    ...(analysis ? { analysis } : {}),
    ...(crash.crashLooping ? { previewCrashLooping: true, previewCrashMessage: crash.message } : {}),
    ...(status?.control ? { control: status.control } : {}),
    ...(status?.lastControl ? { lastControl: status.lastControl } : {}),
  };
}

export function planBlueGreenAgent(obs: ObservedArmy, agent: Agent, base: AgentStatus, now: Date): AgentPlan {
  const army = obs.army;
  const namespace = army.metadata.namespace ?? 'default';
  const ref = { army: army.metadata.name ?? '', agent: agent.name };
  const previous = army.status?.agents?.find((a) => a.name === agent.name);
  // Keeps what status said of the colors (their versions, the active one) while nothing can be rendered.
  const unresolved = (why: Unresolved): AgentPlan =>
    unrenderable({ ...base, ...previous, desiredVersion: agent.version }, why);
  const desired = resolveVersion(obs, agent, agent.version);
  if (!('resolved' in desired)) return unresolved(desired);
  // A breaking upgrade the guard blocks keeps the active version as the desired one: no preview starts.
  const activeName = previous?.activeColor ? previous.colorVersions?.[previous.activeColor] : undefined;
  const guard = releaseDesiredVersion(
    activeName ? obs.versions.get(activeName) : undefined,
    desired.resolved.av,
    agent,
  );

  const plan = decideBlueGreen(blueGreenObserved(obs, agent, guard.name), now);
  const versions: Partial<Record<Color, ResolvedVersion>> = {};
  for (const c of COLORS) {
    const name = plan.traffic.colors[c].version;
    if (name === undefined) continue;
    const r = resolveVersion(obs, agent, name);
    if (!('resolved' in r)) return unresolved(r);
    versions[c] = r.resolved;
  }
  const ctx = {
    namespace,
    ref,
    agent,
    defaults: army.spec.defaults,
    serviceAccountName: army.spec.serviceAccountName,
  };
  const pdb = renderPdb({ namespace, ref, minReplicas: minimumReplicas(agent.replicas, agent.autoscaling) });
  const active = plan.traffic.services.active;
  const hpa = agent.autoscaling
    ? renderHpa({ namespace, ref, track: active, autoscaling: agent.autoscaling })
    : undefined;
  const objects: KubernetesObject[] = [
    ...renderBlueGreenChildren(ctx, plan.traffic, versions),
    ...(hpa ? [hpa] : []),
    ...(pdb ? [pdb] : []),
  ];
  const problem = guard.blocked
    ? { reason: 'UpgradeBlocked' as const, message: guard.blocked }
    : plan.problem;
  const status: AgentStatus = problem
    ? { ...plan.status, phase: 'Degraded', message: problem.message }
    : plan.status;
  return {
    status,
    objects,
    keepExisting: false,
    ...(problem ? { problem } : {}),
    events: plan.events,
    ...(plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {}),
    ...(plan.lastControl ? { lastControl: plan.lastControl } : {}),
    ...(plan.measurement ? { measure: { agent: agent.name, request: plan.measurement } } : {}),
  };
}

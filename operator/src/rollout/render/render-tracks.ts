// The children of a canary or blue-green agent, rendered by the AgentArmy builders for each track/color
// from a decide plan. Pure. HPA and PDB stay with the army reconciler. With autoscaling, the Deployment the
// HPA scales (canary: stable; blue-green: the active color) is rendered without a count (autoscale.ts).
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import type { Agent, AgentArmySpec, AgentVersion } from '../../api/v1alpha1/index.js';
import { type BlueGreenTraffic, type Color, otherColor } from '../blue-green/types.js';
import type { CanaryTraffic } from '../canary/types.js';
import type { AgentRef, Track } from '../labels.js';
import { serviceSelectorRouter } from '../traffic/service-selector.js';
import type { VersionConfig } from './render-config.js';
import { renderDeployment } from './render-deployment.js';

/** An AgentVersion with its config ConfigMap (written by the AgentVersion controller). */
export interface ResolvedVersion {
  av: AgentVersion;
  config: VersionConfig;
}

export interface TrackContext {
  namespace: string;
  ref: AgentRef;
  agent: Agent;
  defaults: AgentArmySpec['defaults'];
  serviceAccountName: string | undefined;
}

function checkVersion(
  what: string,
  v: ResolvedVersion | undefined,
  name: string | undefined,
): ResolvedVersion {
  if (!v || v.av.metadata.name !== name) {
    throw new Error(`${what}: expected AgentVersion ${name}, got ${v?.av.metadata.name ?? 'none'}`);
  }
  return v;
}

function track(
  ctx: TrackContext,
  t: Track,
  v: ResolvedVersion,
  replicas: number | undefined,
): KubernetesObject[] {
  const { namespace, ref } = ctx;
  return [
    renderDeployment({
      namespace,
      ref,
      track: t,
      av: v.av,
      agent: ctx.agent,
      defaults: ctx.defaults,
      serviceAccountName: ctx.serviceAccountName,
      config: v.config,
      replicas,
    }),
  ];
}

/**
 * Canary: `<army>-<agent>` (stable) and `<army>-<agent>-canary` Deployments, and the Services of the
 * release's router (replica ratio: one Service selecting both tracks; Gateway API: the agent's Service on
 * the stable track plus one per track for the HTTPRoute).
 */
export function renderCanaryChildren(
  ctx: TrackContext,
  traffic: CanaryTraffic,
  versions: { stable: ResolvedVersion; canary?: ResolvedVersion },
  services: V1Service[],
): KubernetesObject[] {
  const objects = track(
    ctx,
    'stable',
    checkVersion('stable', versions.stable, traffic.stableVersion),
    ctx.agent.autoscaling ? undefined : traffic.replicas.stable,
  );
  if (traffic.canaryVersion !== undefined) {
    objects.push(
      ...track(
        ctx,
        'canary',
        checkVersion('canary', versions.canary, traffic.canaryVersion),
        traffic.replicas.canary,
      ),
    );
  }
  return [...objects, ...services];
}

/** The Service selector router of a blue-green agent for where its Services point now. */
export function blueGreenRoutes(
  ctx: Pick<TrackContext, 'namespace' | 'ref'>,
  services: BlueGreenTraffic['services'],
) {
  const { namespace, ref } = ctx;
  // In preview: weight 0 from the active color to the preview one; otherwise the switch is done (100).
  if (services.active !== services.preview) {
    return serviceSelectorRouter({
      namespace,
      ref,
      stable: services.active,
      canary: services.preview,
    }).setWeights(0);
  }
  const stable = otherColor(services.active);
  return serviceSelectorRouter({ namespace, ref, stable, canary: services.active }).setWeights(100);
}

/** Blue-green: a Deployment per used color, the active Service and `<army>-<agent>-preview`. */
export function renderBlueGreenChildren(
  ctx: TrackContext,
  plan: BlueGreenTraffic,
  versions: Partial<Record<Color, ResolvedVersion>>,
): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const color of ['blue', 'green'] as const) {
    const want = plan.colors[color];
    if (want.version === undefined) continue;
    const scaled = ctx.agent.autoscaling !== undefined && color === plan.services.active;
    const v = checkVersion(color, versions[color], want.version);
    objects.push(...track(ctx, color, v, scaled ? undefined : want.replicas));
  }
  return [...objects, ...blueGreenRoutes(ctx, plan.services).services];
}

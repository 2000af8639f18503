// The children of a canary or blue-green agent, rendered by the AgentArmy builders for each track/color
// from a decide plan. Pure. HPA and PDB stay with the army reconciler.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Agent, AgentArmySpec, AgentVersion } from '../../api/v1alpha1/index.js';
import type { BlueGreenTraffic, Color } from '../blue-green/types.js';
import type { CanaryTraffic } from '../canary/types.js';
import { type AgentRef, childName, type Track } from '../labels.js';
import { trackServiceNames } from '../traffic/http-route.js';
import type { VersionConfig } from './render-config.js';
import { renderDeployment } from './render-deployment.js';
import { renderService } from './render-service.js';

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

function track(ctx: TrackContext, t: Track, v: ResolvedVersion, replicas: number): KubernetesObject[] {
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
 * Canary: `<army>-<agent>` (stable) and `<army>-<agent>-canary` Deployments. In replicas mode the
 * Service `<army>-<agent>` selects both tracks; in gatewayAPI mode it selects the stable track only (calls
 * that bypass the gateway never hit the canary) and the HTTPRoute targets the per-track Services.
 */
export function renderCanaryChildren(
  ctx: TrackContext,
  traffic: CanaryTraffic,
  versions: { stable: ResolvedVersion; canary?: ResolvedVersion },
): KubernetesObject[] {
  const { namespace, ref } = ctx;
  const objects = track(
    ctx,
    'stable',
    checkVersion('stable', versions.stable, traffic.stableVersion),
    traffic.replicas.stable,
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
  if (traffic.mode === 'replicas') return [...objects, renderService({ namespace, ref })];
  const names = trackServiceNames(ref);
  return [
    ...objects,
    renderService({ namespace, ref, track: 'stable' }),
    renderService({ namespace, ref, name: names.stable, track: 'stable' }),
    renderService({ namespace, ref, name: names.canary, track: 'canary' }),
  ];
}

/** Blue-green: a Deployment per used color, the active Service and `<army>-<agent>-preview`. */
export function renderBlueGreenChildren(
  ctx: TrackContext,
  plan: BlueGreenTraffic,
  versions: Partial<Record<Color, ResolvedVersion>>,
): KubernetesObject[] {
  const { namespace, ref } = ctx;
  const objects: KubernetesObject[] = [];
  for (const color of ['blue', 'green'] as const) {
    const want = plan.colors[color];
    if (want.version === undefined) continue;
    objects.push(...track(ctx, color, checkVersion(color, versions[color], want.version), want.replicas));
  }
  return [
    ...objects,
    renderService({ namespace, ref, track: plan.services.active }),
    renderService({ namespace, ref, name: `${childName(ref)}-preview`, track: plan.services.preview }),
  ];
}

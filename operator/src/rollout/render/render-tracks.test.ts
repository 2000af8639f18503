import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Agent, AgentVersion } from '../../api/v1alpha1/index.js';
import type { CanaryTraffic } from '../canary/types.js';
import { canaryRouter } from '../traffic/canary-router.js';
import { renderBlueGreenChildren, renderCanaryChildren, type TrackContext } from './render-tracks.js';

const av = (name: string, version: string) => ({
  av: AgentVersion.parse({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name, namespace: 'team' },
    spec: {
      agent: 'orchestrator',
      version,
      image: `example.invalid/agent-runtime:${version}`,
      model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      systemPrompt: 'Be brief.',
    },
  }),
  config: { name: `${name}-agent-config`, hash: `hash-of-${name}` },
});
const ctx: TrackContext = {
  namespace: 'team',
  ref: { army: 'support', agent: 'orchestrator' },
  agent: Agent.parse({ name: 'orchestrator', version: 'v2', replicas: 10 }),
  defaults: undefined,
  serviceAccountName: undefined,
};
const traffic = (over: Partial<CanaryTraffic> = {}): CanaryTraffic => ({
  mode: 'replicas',
  stableVersion: 'v1',
  canaryVersion: 'v2',
  weight: 10,
  effectiveWeight: 10,
  replicas: { stable: 9, canary: 1 },
  cohortsToCanary: false,
  ...over,
});
const byName = (objs: { kind?: string; metadata?: { name?: string } }[]) =>
  objs.map((o) => `${o.kind}/${o.metadata?.name}`);
const versions = { stable: av('v1', '1.0.0'), canary: av('v2', '1.1.0') };
/** The Services of the release's router for a traffic mode. */
const routerServices = (mode: CanaryTraffic['mode'] = 'replicas') =>
  canaryRouter({
    namespace: 'team',
    ref: ctx.ref,
    routing: mode === 'gatewayAPI' ? { gatewayAPI: { httpRoute: 'orchestrator' } } : {},
  }).setWeights(10).services;

describe('renderCanaryChildren', () => {
  it('replicas mode: both tracks with their replicas and versions, one Service selecting every track', () => {
    const objs = renderCanaryChildren(ctx, traffic(), versions, routerServices());
    expect(byName(objs)).toEqual([
      'Deployment/support-orchestrator',
      'Deployment/support-orchestrator-canary',
      'Service/support-orchestrator',
    ]);
    const [stable, canary] = objs.filter((o) => o.kind === 'Deployment') as V1Deployment[];
    expect([stable?.spec?.replicas, canary?.spec?.replicas]).toEqual([9, 1]);
    expect(canary?.spec?.template.spec?.containers[0]?.image).toBe('example.invalid/agent-runtime:1.1.0');
    expect(canary?.spec?.selector.matchLabels?.['agentarmy.dev/track']).toBe('canary');
    // Each track mounts its own version's config ConfigMap and carries that version's config hash.
    expect(
      [stable, canary].map((d) => [
        d?.spec?.template.spec?.volumes?.find((v) => v.configMap)?.configMap?.name,
        d?.spec?.template.metadata?.annotations?.['agentarmy.dev/config-hash'],
      ]),
    ).toEqual([
      ['v1-agent-config', 'hash-of-v1'],
      ['v2-agent-config', 'hash-of-v2'],
    ]);
    const svc = objs.at(-1) as V1Service;
    expect(svc.spec?.selector).not.toHaveProperty('agentarmy.dev/track');
  });

  it('gatewayAPI mode: the main Service selects stable only, plus a Service per track for the HTTPRoute', () => {
    const objs = renderCanaryChildren(
      ctx,
      traffic({ mode: 'gatewayAPI', replicas: { stable: 10, canary: 1 } }),
      versions,
      routerServices('gatewayAPI'),
    );
    const services = objs.filter((o) => o.kind === 'Service') as V1Service[];
    expect(services.map((s) => [s.metadata?.name, s.spec?.selector?.['agentarmy.dev/track']])).toEqual([
      ['support-orchestrator', 'stable'],
      ['support-orchestrator-stable', 'stable'],
      ['support-orchestrator-canary', 'canary'],
    ]);
  });

  it('renders no canary Deployment when there is no canary version', () => {
    const t = traffic({ replicas: { stable: 10, canary: 0 } });
    delete t.canaryVersion;
    expect(byName(renderCanaryChildren(ctx, t, { stable: versions.stable }, routerServices()))).not.toContain(
      'Deployment/support-orchestrator-canary',
    );
  });

  it('refuses a resolved version that is not the one the plan names', () => {
    expect(() =>
      renderCanaryChildren(ctx, traffic({ stableVersion: 'v0' }), versions, routerServices()),
    ).toThrow('stable: expected AgentVersion v0, got v1');
  });
});

describe('renderBlueGreenChildren', () => {
  it('renders each used color and points the active and preview Services at their colors', () => {
    const plan = {
      colors: { blue: { version: 'v1', replicas: 3 }, green: { version: 'v2', replicas: 3 } },
      services: { active: 'blue', preview: 'green' },
    } as const;
    const objs = renderBlueGreenChildren(ctx, plan, { blue: versions.stable, green: versions.canary });
    expect(byName(objs)).toEqual([
      'Deployment/support-orchestrator-blue',
      'Deployment/support-orchestrator-green',
      'Service/support-orchestrator',
      'Service/support-orchestrator-preview',
    ]);
    const services = objs.filter((o) => o.kind === 'Service') as V1Service[];
    expect(services.map((s) => s.spec?.selector?.['agentarmy.dev/track'])).toEqual(['blue', 'green']);
  });
});

// Every path the operator drives, each to its end state in the cluster, for a test that runs the operator
// under a restricted identity (operator-rbac.test.ts: the chart's ServiceAccount): rolling update, canary by
// replicas (promoted), canary on an HTTPRoute (mirrored to shadow pods, weighted, then the release deleted: route given back through
// its finalizer), blue-green (switched), HPA, and deletion (an army; an AgentVersion held by its in-use
// finalizer until no army uses it). The objects are the paths' own (p-* armies, path-v* versions).
import { expect, it } from 'vitest';
import { agentVersion, secret } from '../army/fixtures.js';
import { applyManifest, eventually, getObject, kubectl, kubectlOk } from '../support/cluster.js';

type AgentStatus = {
  phase?: string;
  stableVersion?: string;
  activeColor?: 'blue' | 'green';
  colorVersions?: { blue?: string; green?: string };
};
type Army = { status?: { agents?: AgentStatus[]; conditions?: { type: string; status: string }[] } };
type Route = { spec: { rules?: { backendRefs?: { name: string; weight?: number }[] }[] } };

export function everyPath(ns: string): void {
  const armyDoc = (name: string, agent: Record<string, unknown>) => ({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name, namespace: ns },
    spec: {
      agents: [
        {
          name: 'orchestrator',
          version: 'path-v1',
          ...('autoscaling' in agent ? {} : { replicas: 2 }),
          ...agent,
        },
      ],
    },
  });
  const releaseDoc = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'CanaryRelease',
    metadata: { name, namespace: ns },
    spec: { targetRef: { army: name, agent: 'orchestrator' }, ...spec },
  });
  const canary = (name: string) => ({
    strategy: { type: 'Canary', canary: { canaryReleaseRef: { name } } },
  });
  const agentOf = async (name: string) =>
    (await getObject<Army>(ns, `agentarmy/${name}`))?.status?.agents?.[0];
  // Stable version (rolling, canary) or the active color's version (blue-green).
  const runs = (a: AgentStatus, version: string) =>
    a.stableVersion === version ||
    (a.activeColor !== undefined && a.colorVersions?.[a.activeColor] === version);
  const settledOn = (name: string, version: string) =>
    eventually(
      `${name} Ready on ${version}`,
      async () => {
        const a = await agentOf(name);
        return a?.phase === 'Ready' && runs(a, version) ? a : undefined;
      },
      { timeoutMs: 90_000 },
    );
  const gone = (what: string) =>
    eventually(
      `${what} gone`,
      async () => ((await kubectl(['get', what, '-n', ns])).code !== 0 ? true : undefined),
      {
        timeoutMs: 90_000,
      },
    );
  const backends = async (route: string) =>
    Object.fromEntries(
      ((await getObject<Route>(ns, `httproute/${route}`))?.spec.rules ?? [])
        .flatMap((r) => r.backendRefs ?? [])
        .map((b) => [b.name, b.weight]),
    );

  const armies = {
    'p-roll': armyDoc('p-roll', {}),
    'p-canary': armyDoc('p-canary', canary('p-canary')),
    'p-gw': armyDoc('p-gw', canary('p-gw')),
    'p-bg': armyDoc('p-bg', {
      strategy: { type: 'BlueGreen', blueGreen: { autoPromote: true, scaleDownDelaySeconds: 0 } },
    }),
    'p-hpa': armyDoc('p-hpa', {
      autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilization: 70 },
    }),
    'p-eval': armyDoc('p-eval', canary('p-eval')),
  };
  const upgrade = (name: keyof typeof armies) => {
    const doc = armies[name];
    return applyManifest({ ...doc, spec: { agents: [{ ...doc.spec.agents[0], version: 'path-v2' }] } });
  };

  it('starts the path armies (rolling, three canaries, blue-green, HPA) and their releases Ready', async () => {
    await kubectlOk(['apply', '-f', '-'], { input: secret(ns) });
    await kubectlOk(['apply', '-f', '-'], { input: agentVersion(ns, 'path-v1', '1.0.0') });
    await kubectlOk(['apply', '-f', '-'], { input: agentVersion(ns, 'path-v2', '1.1.0') });
    await applyManifest({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'p-gw', namespace: ns },
      spec: { parentRefs: [{ name: 'agents' }] },
    });
    await applyManifest(
      releaseDoc('p-canary', { steps: [{ setWeight: 50 }, { pause: { duration: '1s' } }] }),
    );
    // An evaluation step whose Job runs no container on KWOK: the operator applies and watches the Job and
    // lists its pod, and the missing report is an Error.
    await kubectlOk(['apply', '-f', '-'], {
      input: agentVersion(ns, 'path-ev', '1.2.0', { judge: { model: 'judge', rubric: 'Answers well.' } }),
    });
    await applyManifest({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'golden', namespace: ns },
      data: { 'dataset.jsonl': '{"id":"q1","input":"hello"}' },
    });
    await applyManifest(
      releaseDoc('p-eval', {
        steps: [
          { evaluation: { dataset: { configMapRef: { name: 'golden' } }, timeout: '3s' } },
          { setWeight: 100 },
        ],
      }),
    );
    await applyManifest(
      releaseDoc('p-gw', {
        trafficRouting: { gatewayAPI: { httpRoute: 'p-gw' } },
        // Shadow first: the canary pods are patched `shadow`, then `live` (the pods `patch` of the RBAC).
        steps: [{ mirror: { percent: 50, duration: '2s' } }, { setWeight: 30 }, { pause: {} }],
      }),
    );
    for (const doc of Object.values(armies)) await applyManifest(doc);
    for (const name of Object.keys(armies)) await settledOn(name, 'path-v1');
    const hpa = await getObject<{ spec: { minReplicas: number; maxReplicas: number } }>(
      ns,
      'horizontalpodautoscaler/p-hpa-orchestrator',
    );
    expect(hpa?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
  });

  it('rolling update: the Deployment moves to path-v2', async () => {
    await upgrade('p-roll');
    await settledOn('p-roll', 'path-v2');
    const dep = await getObject<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(
      ns,
      'deployment/p-roll-orchestrator',
    );
    expect(dep?.spec.template.metadata.labels['agentarmy.dev/version']).toBe('1.1.0');
  });

  it('canary by replicas: 50% of the pods, then promoted', async () => {
    await upgrade('p-canary');
    await settledOn('p-canary', 'path-v2');
    const r = await getObject<{ status?: { phase?: string } }>(ns, 'canaryrelease/p-canary');
    expect(r?.status?.phase).toBe('Promoted');
    const steps = await kubectlOk([
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      'involvedObject.name=p-canary,reason=StepCompleted',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    expect(steps).toContain('step 1/2 (setWeight 50) completed at weight 50');
  });

  it('blue-green: the new color previewed, then switched', async () => {
    await upgrade('p-bg');
    const a = await settledOn('p-bg', 'path-v2');
    expect(a.activeColor).toBe('green');
    expect(a.colorVersions).toMatchObject({ blue: 'path-v1', green: 'path-v2' });
  });

  it('canary on an HTTPRoute: mirrored to shadow pods, weighted 70/30, then the release deleted gives the route back', async () => {
    await upgrade('p-gw');
    await eventually('the route weighted 70/30', async () =>
      (await backends('p-gw'))['p-gw-orchestrator-canary'] === 30 ? true : undefined,
    );
    const told = await kubectlOk([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      'agentarmy.dev/army=p-gw,agentarmy.dev/track=canary',
      '-o',
      'jsonpath={.items[*].metadata.annotations.agentarmy\\.dev/traffic}',
    ]);
    expect(told.split(' ')).toContain('live'); // told shadow during the mirror step, then live
    const events = await kubectlOk([
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      'involvedObject.name=p-gw',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    expect(events).toContain('(mirror 50% for 2s) completed');
    expect(await backends('p-gw')).toEqual({
      'p-gw-orchestrator-stable': 70,
      'p-gw-orchestrator-canary': 30,
    });
    await kubectlOk(['delete', 'canaryrelease', 'p-gw', '-n', ns, '--wait=false']);
    await gone('canaryrelease/p-gw');
    expect(await backends('p-gw')).toEqual({ 'p-gw-orchestrator': 100 });
  });

  it('evaluation step: the Job applied, watched, its pod listed; no report pauses the release', async () => {
    const doc = armies['p-eval'];
    await applyManifest({ ...doc, spec: { agents: [{ ...doc.spec.agents[0], version: 'path-ev' }] } });
    const r = await eventually(
      'p-eval paused on an evaluation Error',
      async () => {
        const rel = await getObject<{ status?: { phase?: string; pauseReason?: string; message?: string } }>(
          ns,
          'canaryrelease/p-eval',
        );
        return rel?.status?.phase === 'Paused' ? rel.status : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(r.pauseReason).toBe('AnalysisError');
    // KWOK completes a Job's pod without running it (no report: an Error, never a Pass), or the deadline
    // fails the Job first; either way the operator read the Job and listed its pod.
    expect(r.message).toMatch(
      /evaluation pod left no termination message|evaluation Job p-eval-eval0-[0-9a-f]+ failed \(DeadlineExceeded/,
    );
    // The army goes, so that path-v1 is used only where the deletion path expects it.
    await kubectlOk(['delete', 'agentarmy', 'p-eval', '-n', ns, '--wait=false']);
    await gone('agentarmy/p-eval');
  });

  it('deletion: an army goes; an AgentVersion in use waits, then goes once no army uses it', async () => {
    await kubectlOk(['delete', 'agentarmy', 'p-bg', '-n', ns, '--wait=false']);
    await gone('agentarmy/p-bg');
    await gone('deployment/p-bg-orchestrator-blue');
    // p-gw's stable track and p-hpa still run path-v1.
    await kubectlOk(['delete', 'agentversion', 'path-v1', '-n', ns, '--wait=false']);
    const held = await eventually('path-v1 Deleting=True InUse', async () => {
      const v = await getObject<{ status?: { conditions?: { type: string; reason: string }[] } }>(
        ns,
        'agentversion/path-v1',
      );
      return v?.status?.conditions?.some((c) => c.type === 'Deleting' && c.reason === 'InUse')
        ? v
        : undefined;
    });
    expect(held).toBeDefined();
    for (const name of ['p-gw', 'p-hpa'])
      await kubectlOk(['delete', 'agentarmy', name, '-n', ns, '--wait=false']);
    await gone('agentversion/path-v1');
  });
}

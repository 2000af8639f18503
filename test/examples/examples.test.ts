// Every manifest in examples/ applied to the real control plane, each in its own namespace, with the
// operator (all three controllers, in this process) running: each reaches the condition its comments
// promise. Only two things differ from what a user applies: the Prometheus address points at a real
// Prometheus started here (it scrapes no agent, so every measurement has no data), and analysis
// intervals are seconds instead of minutes. Gateway API and Argo CD CRDs come from the binary cache.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import type { AgentArmy, CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import {
  cacheDir,
  deleteNamespaces,
  eventually,
  getObject,
  kubeconfigPath,
  kubectlOk,
  repoRoot,
  run,
  uniqueNamespace,
} from '../support/cluster.js';
import { startOperatorInProcess } from '../support/delivery.js';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.js';

type Analysis = { provider: { prometheus: { address: string } }; interval?: string; window?: string };
type Obj = {
  kind?: string;
  metadata: { name: string; namespace?: string };
  spec?: {
    analysis?: Analysis;
    agents?: { strategy?: { blueGreen?: { prePromotionAnalysis?: Analysis } } }[];
  };
};
type Army = AgentArmy;
type Release = CanaryRelease;

const EXAMPLES = [
  'minimal',
  'autoscaled',
  'bluegreen',
  'canary',
  'gated',
  'cohort',
  'noroute',
  'judge',
  'tools',
  'drift',
  'evaluation',
  'lockstep',
  'shadow',
] as const;
const ns = Object.fromEntries(EXAMPLES.map((e) => [e, uniqueNamespace(`ex-${e}`)])) as Record<
  (typeof EXAMPLES)[number],
  string
>;
let mgr: Manager | undefined;
let prom: RunningPrometheus | undefined;

/** The documents of an example, namespaced, with the test's Prometheus and short analysis intervals. */
function example(file: string, namespace: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(join(repoRoot, 'examples', file), 'utf8'));
  return docs.map((d) => {
    const obj = d.toJS() as Obj;
    obj.metadata.namespace = namespace;
    const analyses = [
      obj.spec?.analysis,
      ...(obj.spec?.agents ?? []).map((a) => a.strategy?.blueGreen?.prePromotionAnalysis),
    ].filter((a): a is Analysis => a !== undefined);
    for (const a of analyses) {
      a.provider.prometheus.address = prom!.url;
      a.interval = '1s';
      a.window = '30s';
    }
    return obj;
  });
}
const applyObjects = (objs: Obj[], namespace: string) =>
  kubectlOk(['apply', '--server-side', '-n', namespace, '-f', '-'], {
    input: objs.map((o) => stringify(o)).join('---\n'),
  });
const applyExample = async (file: string, namespace: string) => {
  await applyObjects(example('agent-version.yaml', namespace), namespace);
  await applyObjects(example(file, namespace), namespace);
};
const get = getObject;
const setVersion = (namespace: string, army: string, version: string) =>
  kubectlOk([
    'patch',
    `agentarmy/${army}`,
    '-n',
    namespace,
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'replace', path: '/spec/agents/0/version', value: version }]),
  ]);
/** `kubectl wait`, as the README tells users to do it. */
const wait = (namespace: string, what: string, cond: string, timeout = '90s') =>
  kubectlOk(['wait', what, '-n', namespace, `--for=${cond}`, `--timeout=${timeout}`]);
const releaseWhere = (namespace: string, name: string, what: string, pred: (r: Release) => boolean) =>
  eventually(
    what,
    async () => {
      const r = await get<Release>(namespace, `canaryrelease/${name}`);
      return r && pred(r) ? r : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 300 },
  );

beforeAll(async () => {
  prom = await startPrometheus([]);
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  const versions = readFileSync(join(repoRoot, 'test/cluster/versions.sh'), 'utf8');
  const pinned = (name: string) => versions.match(new RegExp(`${name}:-(v[0-9.]+)`))?.[1] ?? '';
  for (const f of [
    `gateway-api-${pinned('GATEWAY_API_VERSION')}/standard-install.yaml`,
    `argocd-crds-${pinned('ARGOCD_VERSION')}/application-crd.yaml`,
  ])
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(cacheDir, f)]);
  for (const n of Object.values(ns)) await kubectlOk(['create', 'namespace', n]);
  mgr = startOperatorInProcess(Object.values(ns));
}, 120_000);

afterAll(async () => {
  await mgr?.stop();
  await prom?.stop();
  await deleteNamespaces(Object.values(ns));
});

describe('examples/ on the real control plane', () => {
  it('minimal-army.yaml: Ready with 3 pods, then rolls to v1.1.0 and is Ready again', async () => {
    await applyExample('minimal-army.yaml', ns.minimal);
    await wait(ns.minimal, 'agentarmy/support', 'condition=Ready');
    await wait(ns.minimal, 'deployment/support-orchestrator', 'jsonpath={.status.readyReplicas}=3');
    await setVersion(ns.minimal, 'support', 'orchestrator-v1.1.0');
    await wait(
      ns.minimal,
      'agentarmy/support',
      'jsonpath={.status.agents[0].stableVersion}=orchestrator-v1.1.0',
    );
    await wait(ns.minimal, 'agentarmy/support', 'condition=Ready');
  });

  it('autoscaled-army.yaml: an HPA and a PDB per agent (the blue-green one on its active color), pods at minReplicas, Ready', async () => {
    await applyExample('autoscaled-army.yaml', ns.autoscaled);
    await wait(ns.autoscaled, 'agentarmy/support-autoscaled', 'condition=Ready');
    type Hpa = {
      spec: {
        minReplicas: number;
        maxReplicas: number;
        scaleTargetRef: { name: string };
        behavior?: { scaleUp?: { policies?: unknown[] } };
      };
    };
    const orch = await get<Hpa>(ns.autoscaled, 'hpa/support-autoscaled-orchestrator');
    const res = await get<Hpa>(ns.autoscaled, 'hpa/support-autoscaled-researcher');
    expect(orch?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(res?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(res?.spec.scaleTargetRef.name).toBe('support-autoscaled-researcher-blue');
    expect(res?.spec.behavior?.scaleUp?.policies).toEqual([{ type: 'Pods', value: 2, periodSeconds: 60 }]);
    for (const [agent, deployment] of [
      ['orchestrator', 'support-autoscaled-orchestrator'],
      ['researcher', 'support-autoscaled-researcher-blue'],
    ]) {
      expect(await get(ns.autoscaled, `pdb/support-autoscaled-${agent}`)).toBeDefined();
      // The HPA (kube-controller-manager's, for real) raises the Deployment to minReplicas.
      await wait(ns.autoscaled, `deployment/${deployment}`, 'jsonpath={.status.readyReplicas}=2');
    }
  });

  it('blue-green.yaml: the preview comes up, analysis without data holds the switch, promote switches', async () => {
    const n = ns.bluegreen;
    await applyExample('blue-green.yaml', n);
    await wait(n, 'agentarmy/support-bluegreen', 'condition=Ready');
    const before = (await get<Army>(n, 'agentarmy/support-bluegreen'))?.status?.agents?.[0]?.activeColor;
    expect(before).toMatch(/^(blue|green)$/);
    const after = before === 'blue' ? 'green' : 'blue';
    await setVersion(n, 'support-bluegreen', 'orchestrator-v1.1.0');
    const held = await eventually(
      'the preview analysis to end Inconclusive and wait for a human',
      async () => {
        const a = (await get<Army>(n, 'agentarmy/support-bluegreen'))?.status?.agents?.[0];
        return a?.message?.endsWith('promote or abort') ? a : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
    expect(held.message).toContain('error-rate=no data');
    expect(held.analysisRuns?.at(-1)?.phase).toBe('Inconclusive');
    type Service = { spec: { selector: Record<string, string> } };
    const selects = async (svc: string) =>
      (await get<Service>(n, `service/${svc}`))?.spec.selector['agentarmy.dev/track'];
    expect(await selects('support-bluegreen-orchestrator')).toBe(before);
    expect(await selects('support-bluegreen-orchestrator-preview')).toBe(after);
    const plugin = join(repoRoot, 'operator/bin/kubectl-agentarmy.js');
    const promote = await run(process.execPath, [
      plugin,
      'promote',
      'army/support-bluegreen',
      '--agent',
      'orchestrator',
      '-n',
      n,
      `--kubeconfig=${kubeconfigPath}`,
    ]);
    expect(promote.code).toBe(0);
    expect(promote.stdout + promote.stderr).toContain('Applied');
    await wait(n, 'agentarmy/support-bluegreen', `jsonpath={.status.agents[0].activeColor}=${after}`);
    expect(await selects('support-bluegreen-orchestrator')).toBe(after);
  });

  it('canary-error-rate.yaml: Idle at v1.0.0; v1.1.0 starts at 10% and pauses for a human', async () => {
    const n = ns.canary;
    await applyExample('canary-error-rate.yaml', n);
    await wait(n, 'agentarmy/support-canary', 'condition=Ready');
    expect((await get<Release>(n, 'canaryrelease/orchestrator'))?.status?.phase ?? 'Idle').toBe('Idle');
    await setVersion(n, 'support-canary', 'orchestrator-v1.1.0');
    await wait(n, 'canaryrelease/orchestrator', 'jsonpath={.status.phase}=Paused');
    const r = await get<Release>(n, 'canaryrelease/orchestrator');
    expect(r?.status?.canaryWeight).toBe(10);
    type Deployment = { spec: { replicas: number } };
    expect((await get<Deployment>(n, 'deployment/support-canary-orchestrator-canary'))?.spec.replicas).toBe(
      1,
    );
  });

  it('canary-latency-cost.yaml: at 20%, no data is Inconclusive on every gate and pauses, never passes', async () => {
    const n = ns.gated;
    await applyExample('canary-latency-cost.yaml', n);
    await wait(n, 'agentarmy/support-gated', 'condition=Ready');
    await setVersion(n, 'support-gated', 'orchestrator-v1.1.0');
    const r = await releaseWhere(n, 'orchestrator-gated', 'Paused after an analysis', (x) =>
      Boolean(x.status?.phase === 'Paused' && x.status.analysisRuns?.length),
    );
    expect(r.status?.canaryWeight).toBe(20);
    const runStatus = r.status!.analysisRuns!.at(-1)!;
    expect(runStatus.phase).toBe('Inconclusive');
    const metrics = new Set(runStatus.measurements.map((m) => m.metric));
    expect([...metrics].sort()).toEqual(
      ['cost-ratio', 'error-rate', 'p95-latency', 'p95-latency-vs-stable', 'tokens-per-request'].sort(),
    );
    expect(runStatus.measurements.every((m) => m.result === 'Inconclusive')).toBe(true);
  });

  it.each([
    [
      'canary-judge.yaml',
      'judge',
      'support-judged',
      'triage',
      'triage-v1.1.0',
      20,
      ['error-rate', 'judge-score'],
    ],
    [
      'canary-tool-health.yaml',
      'tools',
      'support-tools',
      'orchestrator-tools',
      'orchestrator-v1.1.0',
      10,
      ['error-rate', 'steps-per-request', 'tool-error-rate'],
    ],
    [
      'canary-model-drift.yaml',
      'drift',
      'support-pinned',
      'orchestrator-pinned',
      'orchestrator-v1.1.0',
      25,
      ['error-rate'],
    ],
  ] as const)(
    '%s: without agent metrics every gate is Inconclusive and the release pauses, never passes',
    async (file, key, army, name, version, weight, gates) => {
      const n = ns[key];
      await applyExample(file, n);
      await wait(n, `agentarmy/${army}`, 'condition=Ready');
      await setVersion(n, army, version);
      const r = await releaseWhere(n, name, 'Paused after an analysis', (x) =>
        Boolean(x.status?.phase === 'Paused' && x.status.analysisRuns?.length),
      );
      expect(r.status?.canaryWeight).toBe(weight);
      expect(r.status?.pauseReason).toBe('Inconclusive');
      const runStatus = r.status!.analysisRuns!.at(-1)!;
      expect(runStatus.phase).toBe('Inconclusive');
      expect([...new Set(runStatus.measurements.map((m) => m.metric))].sort()).toEqual([...gates]);
      expect(runStatus.measurements.every((m) => m.result === 'Inconclusive')).toBe(true);
      expect(r.status?.modelDrift).toBeUndefined();
    },
  );

  it('canary-evaluation.yaml: the evaluation Job starts, owned by the release, with no canary pod and weight 0', async () => {
    const n = ns.evaluation;
    await applyExample('canary-evaluation.yaml', n);
    await wait(n, 'agentarmy/support-evaluated', 'condition=Ready');
    await setVersion(n, 'support-evaluated', 'triage-eval-v1.1.0');
    const r = await releaseWhere(n, 'triage-evaluated', 'evaluating at step 1', (x) =>
      Boolean(x.status?.phase === 'Progressing' && x.status.message?.includes('(Job ')),
    );
    expect(r.status).toMatchObject({ currentStepIndex: 0, canaryWeight: 0 });
    type Job = {
      metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
      spec: { backoffLimit: number; template: { spec: { initContainers: { name: string }[] } } };
    };
    const jobs = await eventually(
      'the evaluation Job',
      async () => {
        const list = JSON.parse(
          await kubectlOk([
            'get',
            'jobs',
            '-n',
            n,
            '-l',
            'app.kubernetes.io/component=evaluation',
            '-o',
            'json',
          ]),
        ) as { items: Job[] };
        return list.items.length > 0 ? list.items : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(jobs).toHaveLength(1);
    expect(r.status?.message).toContain(jobs[0]?.metadata.name);
    expect(jobs[0]?.metadata.ownerReferences).toMatchObject([
      { kind: 'CanaryRelease', name: 'triage-evaluated' },
    ]);
    expect(jobs[0]?.spec.backoffLimit).toBe(0);
    expect(jobs[0]?.spec.template.spec.initContainers.map((c) => c.name)).toEqual(['canary', 'stable']);
    const canary = await get<{ spec?: { replicas?: number } }>(
      n,
      'deployment/support-evaluated-triage-canary',
    );
    expect(canary?.spec?.replicas ?? 0).toBe(0);
  });

  it('header-cohort-canary.yaml: the HTTPRoute gets 90/10 weights and cohort rules; user fields stay', async () => {
    const n = ns.cohort;
    await applyExample('header-cohort-canary.yaml', n);
    await wait(n, 'agentarmy/support-cohort', 'condition=Ready');
    await setVersion(n, 'support-cohort', 'orchestrator-v1.1.0');
    await wait(n, 'canaryrelease/orchestrator-cohort', 'jsonpath={.status.phase}=Paused');
    type Route = {
      spec: {
        hostnames: string[];
        parentRefs: { name: string }[];
        rules: {
          matches: { headers?: { name: string; value: string }[] }[];
          backendRefs: { name: string; weight: number }[];
        }[];
      };
    };
    const route = (await get<Route>(n, 'httproute/orchestrator'))!;
    expect(route.spec.hostnames).toEqual(['orchestrator.agents.example.com']);
    expect(route.spec.parentRefs[0]?.name).toBe('agents');
    const weights = (rule: Route['spec']['rules'][number]) =>
      Object.fromEntries(rule.backendRefs.map((b) => [b.name, b.weight]));
    const cohort = route.spec.rules.find((r) => r.matches.some((m) => m.headers?.length));
    const split = route.spec.rules.find((r) => r.matches.every((m) => !m.headers?.length));
    expect(cohort?.matches.flatMap((m) => m.headers?.map((h) => h.value) ?? []).sort()).toEqual([
      'design-partners',
      'internal-qa',
    ]);
    expect(weights(cohort!)['support-cohort-orchestrator-canary']).toBe(100);
    expect(weights(split!)).toEqual({
      'support-cohort-orchestrator-stable': 90,
      'support-cohort-orchestrator-canary': 10,
    });
  });

  it('canary-shadow.yaml: the mirror step copies 20% to shadow canary pods at weight 0; no data pauses it, mirror on', async () => {
    const n = ns.shadow;
    await applyExample('canary-shadow.yaml', n);
    await wait(n, 'agentarmy/support-shadow', 'condition=Ready');
    await setVersion(n, 'support-shadow', 'billing-v1.1.0');
    const paused = await releaseWhere(
      n,
      'billing',
      'Paused in the mirror step',
      (r) => r.status?.phase === 'Paused',
    );
    expect(paused.status).toMatchObject({
      currentStepIndex: 0,
      canaryWeight: 0,
      pauseReason: 'Inconclusive',
    });
    type Route = {
      spec: {
        rules: {
          filters?: { type: string; requestMirror: { backendRef: { name: string }; percent: number } }[];
          backendRefs: { name: string; weight: number }[];
        }[];
      };
    };
    const route = (await get<Route>(n, 'httproute/billing'))!;
    expect(route.spec.rules).toHaveLength(1);
    expect(route.spec.rules[0]?.filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: expect.objectContaining({ name: 'support-shadow-billing-canary' }),
          percent: 20,
        },
      },
    ]);
    expect(Object.fromEntries(route.spec.rules[0]!.backendRefs.map((b) => [b.name, b.weight]))).toEqual({
      'support-shadow-billing-stable': 100,
      'support-shadow-billing-canary': 0,
    });
    const pods = await kubectlOk([
      'get',
      'pods',
      '-n',
      n,
      '-l',
      'agentarmy.dev/track=canary',
      '-o',
      'jsonpath={.items[*].metadata.annotations.agentarmy\\.dev/traffic}',
    ]);
    expect(pods.split(' ')).toEqual(['shadow']);
  });

  it('header-cohort-canary.yaml without its HTTPRoute: Ready=False HTTPRouteNotFound and a Warning Event, no progress', async () => {
    const n = ns.noroute;
    await applyObjects(example('agent-version.yaml', n), n);
    await applyObjects(
      example('header-cohort-canary.yaml', n).filter((o) => o.kind !== 'HTTPRoute'),
      n,
    );
    await wait(n, 'agentarmy/support-cohort', 'condition=Ready');
    await setVersion(n, 'support-cohort', 'orchestrator-v1.1.0');
    await wait(
      n,
      'canaryrelease/orchestrator-cohort',
      'jsonpath={.status.conditions[?(@.type=="Ready")].reason}=HTTPRouteNotFound',
    );
    const r = await get<Release>(n, 'canaryrelease/orchestrator-cohort');
    expect(r?.status?.message).toContain('spec.trafficRouting.gatewayAPI.httpRoute');
    expect(r?.status?.canaryWeight ?? 0).toBe(0);
    const events = await kubectlOk([
      'get',
      'events',
      '-n',
      n,
      '--field-selector',
      'reason=HTTPRouteNotFound',
      '-o',
      'name',
    ]);
    expect(events.trim()).not.toBe('');
  });

  it('lockstep-canary.yaml: both releases start together and pause at 20%; an abort of one rolls both back', async () => {
    const n = ns.lockstep;
    await applyExample('lockstep-canary.yaml', n);
    await wait(n, 'agentarmy/support-lockstep', 'condition=Ready');
    await kubectlOk([
      'patch',
      'agentarmy/support-lockstep',
      '-n',
      n,
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: '/spec/agents/0/version', value: 'orchestrator-v1.1.0' },
        { op: 'replace', path: '/spec/agents/1/version', value: 'researcher-v1.1.0' },
      ]),
    ]);
    await wait(n, 'crel/orchestrator', 'jsonpath={.status.phase}=Paused');
    await wait(n, 'crel/researcher', 'jsonpath={.status.phase}=Paused');
    for (const name of ['orchestrator', 'researcher']) {
      const r = await get<Release>(n, `canaryrelease/${name}`);
      expect(r?.status).toMatchObject({ currentStepIndex: 1, canaryWeight: 20, pauseReason: 'Step' });
      expect(r?.status?.group).toMatchObject({
        name: 'support',
        members: ['orchestrator', 'researcher'],
        step: 1,
      });
    }
    // An abort of one member (what `kubectl agentarmy abort researcher` writes) rolls the group back.
    await kubectlOk([
      'patch',
      'crel/researcher',
      '-n',
      n,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { control: { id: 'abort-1', action: 'abort' } } }),
    ]);
    const orch = await releaseWhere(
      n,
      'orchestrator',
      'orchestrator RolledBack',
      (r) => r.status?.phase === 'RolledBack',
    );
    expect(orch.status?.message).toMatch(
      /^GroupRolledBack: lockstep group support: member researcher .*Aborted/,
    );
    expect((await get<Release>(n, 'canaryrelease/researcher'))?.status?.phase).toBe('RolledBack');
  });

  it('argocd-application.yaml: both Applications are accepted by the Argo CD Application schema', async () => {
    await kubectlOk(['create', 'namespace', 'argocd']).catch(() => undefined);
    const out = await kubectlOk([
      'apply',
      '--server-side',
      '-f',
      join(repoRoot, 'examples/argocd-application.yaml'),
    ]);
    expect(out).toContain('application.argoproj.io/agent-army-operator serverside-applied');
    expect(out).toContain('application.argoproj.io/agent-army-example serverside-applied');
    await kubectlOk(['delete', '-f', join(repoRoot, 'examples/argocd-application.yaml')]);
  });
});

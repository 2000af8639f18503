// The chart's RBAC is enough and no more: `helm install` with a watched namespace, then the operator runs
// as a local process authenticated ONLY with a token of the chart's ServiceAccount, with the Deployment's
// own flags and leader election in the release namespace. It reconciles an example army to Ready, writes
// nothing but status on the CRs (no spec, label or annotation drift for GitOps), drives every path to its
// end state in the cluster — rolling update, canary by replicas, canary on an HTTPRoute, blue-green, HPA,
// deletion through both finalizers — with no request forbidden, and the ServiceAccount is refused
// everything the operator never needs.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runHealth } from '../argocd/lua.js';
import { agentVersion, army, secret } from '../army/fixtures.js';
import {
  cacheDir,
  deleteNamespaces,
  eventually,
  kubectl,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { type ServiceProcess, spawnOperator } from '../support/processes.js';
import { canI, chartDir, helm, helmOk, serviceAccountKubeconfig } from './helm.js';
import { everyPath } from './operator-paths.js';

const ns = uniqueNamespace('chart-op');
const app = `${ns}-app`;
const identity = 'chart-sa-operator';
let operator: ServiceProcess | undefined;
let saKubeconfig = '';

type Live = {
  metadata: {
    generation: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: {
      manager: string;
      operation: string;
      subresource?: string;
      fieldsV1?: Record<string, unknown>;
    }[];
  };
  spec: unknown;
  status?: { conditions?: { type: string; status: string }[] };
};

const get = async (kind: string, name: string) =>
  JSON.parse(await kubectlOk(['get', kind, name, '-n', app, '-o', 'json', '--show-managed-fields'])) as Live;

/** Server-side apply as a GitOps tool would (field manager `gitops`); returns the object as stored. */
const gitopsApply = async (manifest: string) =>
  JSON.parse(
    await kubectlOk(
      [
        'apply',
        '--server-side',
        '--field-manager=gitops',
        '-n',
        app,
        '-o',
        'json',
        '--show-managed-fields',
        '-f',
        '-',
      ],
      {
        input: manifest,
      },
    ),
  ) as Live;

const applied: Record<string, Live> = {};

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  const versions = readFileSync(join(repoRoot, 'test/cluster/versions.sh'), 'utf8');
  const gatewayApi = versions.match(/GATEWAY_API_VERSION:-(v[0-9.]+)/)?.[1] ?? '';
  const gatewayCrds = join(cacheDir, `gateway-api-${gatewayApi}/standard-install.yaml`);
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', gatewayCrds]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', join(repoRoot, 'crds')]);
  for (const n of [ns, app]) await kubectlOk(['create', 'namespace', n]);
  await helmOk(['install', 'agent-army', chartDir, '-n', ns, '--set', `watchNamespaces={${app}}`, '--wait']);
  // The flags the chart gives the operator container, with the metrics server moved to a free local port.
  const dep = JSON.parse(await kubectlOk(['get', 'deployment', 'agent-army', '-n', ns, '-o', 'json'])) as {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  const args = (dep.spec.template.spec.containers[0]?.args ?? []).filter((a) => !a.startsWith('--metrics-'));
  saKubeconfig = await serviceAccountKubeconfig(ns, 'agent-army');
  operator = await spawnOperator(
    'operator (chart ServiceAccount)',
    [`--kubeconfig=${saKubeconfig}`, ...args],
    {
      env: {
        POD_NAME: identity,
        POD_NAMESPACE: ns,
        KUBECONFIG: undefined,
        KUBERNETES_SERVICE_HOST: undefined,
      },
      readyPath: '/readyz',
    },
  );
});

afterAll(async () => {
  await operator?.stop();
  if (saKubeconfig) rmSync(dirname(saKubeconfig), { recursive: true, force: true });
  await helm(['uninstall', 'agent-army', '-n', ns, '--ignore-not-found']);
  await deleteNamespaces([ns, app]);
});

describe('the operator under the chart ServiceAccount only', () => {
  it('runs with the chart flags, syncs its caches in the watched namespace and takes the Lease', async () => {
    const holder = await eventually('Lease held by the local operator', async () => {
      const r = await kubectl([
        'get',
        'lease',
        'agent-army-operator',
        '-n',
        ns,
        '-o',
        'jsonpath={.spec.holderIdentity}',
      ]);
      return r.stdout === identity ? r.stdout : undefined;
    });
    expect(holder).toBe(identity);
    const metrics = await (await fetch(`${operator!.url}/metrics`)).text();
    expect(metrics).toContain('leader_election_master_status{name="agent-army-operator"} 1');
  });

  it('reconciles an example army to Ready: children created, AgentVersion Ready', async () => {
    applied.secret = await gitopsApply(secret(app));
    applied.version = await gitopsApply(agentVersion(app, 'orch-v1', '1.0.0'));
    const manifest = parse(army(app, [{ name: 'orchestrator', version: 'orch-v1', replicas: 2 }])) as {
      metadata: Record<string, unknown>;
    };
    manifest.metadata.labels = { team: 'support', 'app.kubernetes.io/managed-by': 'argocd' };
    manifest.metadata.annotations = {
      'argocd.argoproj.io/tracking-id': 'support:agentarmy.dev/AgentArmy:x/support',
    };
    applied.army = await gitopsApply(stringify(manifest));

    const wait = await kubectl([
      'wait',
      '--for=condition=Ready',
      'agentarmy/support',
      '-n',
      app,
      '--timeout=90s',
    ]);
    expect(wait.code, `${wait.stderr}\n${operator?.output().slice(-4000)}`).toBe(0);
    const v = await get('agentversion', 'orch-v1');
    expect(v.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const dep = JSON.parse(
      await kubectlOk(['get', 'deployment', 'support-orchestrator', '-n', app, '-o', 'json']),
    ) as { status: { readyReplicas?: number } };
    expect(dep.status.readyReplicas).toBe(2);
    await kubectlOk([
      'get',
      'configmap/orch-v1-agent-config',
      'service/support-orchestrator',
      'pdb/support-orchestrator',
      '-n',
      app,
    ]);
  });

  describe('every path under the chart RBAC', () => everyPath(app));

  it('logged no authorization failure and no dropped Event', () => {
    const problems = operator!
      .output()
      .split('\n')
      .filter((l) => /forbidden|\b403\b|could not record event/i.test(l));
    expect(problems).toEqual([]);
  });

  it('writes only status: spec, generation, labels and annotations of the CRs are unchanged', async () => {
    for (const [kind, name, before] of [
      ['agentarmy', 'support', applied.army],
      ['agentversion', 'orch-v1', applied.version],
    ] as const) {
      const after = await get(kind, name);
      expect(after.metadata.generation, `${kind} generation`).toBe(before?.metadata.generation);
      expect(after.spec, `${kind} spec`).toEqual(before?.spec);
      expect(after.metadata.labels, `${kind} labels`).toEqual(before?.metadata.labels);
      expect(after.metadata.annotations, `${kind} annotations`).toEqual(before?.metadata.annotations);
      // Field ownership: the GitOps manager owns what it applied; the operator only f:status — and on an
      // AgentVersion its in-use finalizer, metadata.finalizers, which GitOps never applies.
      const others = (after.metadata.managedFields ?? []).filter((m) => m.manager !== 'gitops');
      expect(others.length, `${kind}: a status writer`).toBeGreaterThan(0);
      for (const m of others) {
        const fields = Object.keys(m.fieldsV1 ?? {});
        const owned = { manager: m.manager, subresource: m.subresource, fields };
        if (m.subresource === 'status') {
          expect(owned).toEqual({ manager: 'agent-army', subresource: 'status', fields: ['f:status'] });
        } else {
          expect(kind).toBe('agentversion');
          expect(owned).toEqual({ manager: 'agent-army', subresource: undefined, fields: ['f:metadata'] });
          expect(Object.keys((m.fieldsV1?.['f:metadata'] ?? {}) as object)).toEqual(['f:finalizers']);
        }
      }
    }
  });

  it('is reported Healthy by the Argo CD health checks', async () => {
    for (const [kind, name] of [
      ['AgentArmy', 'support'],
      ['AgentVersion', 'orch-v1'],
    ] as const) {
      const live = await get(kind.toLowerCase(), name);
      const hs = await runHealth(join(chartDir, `argocd/health-${kind.toLowerCase()}.lua`), live);
      expect(hs.status, `${kind}: ${hs.message}`).toBe('Healthy');
    }
  });

  it('cannot do what the operator never needs (least privilege)', async () => {
    const denied: string[][] = [
      ['delete', 'secrets', '-n', app],
      ['create', 'secrets', '-n', app],
      ['list', 'secrets', '-n', app],
      ['watch', 'secrets', '-n', app],
      ['update', 'agentarmies.agentarmy.dev', '-n', app],
      ['patch', 'agentarmies.agentarmy.dev', '-n', app],
      ['delete', 'agentarmies.agentarmy.dev', '-n', app],
      ['create', 'agentversions.agentarmy.dev', '-n', app],
      ['update', 'agentversions.agentarmy.dev', '-n', app],
      ['get', 'agentarmies.agentarmy.dev', '-n', app],
      ['update', 'canaryreleases.agentarmy.dev', '-n', app],
      ['create', 'httproutes.gateway.networking.k8s.io', '-n', app],
      ['delete', 'httproutes.gateway.networking.k8s.io', '-n', app],
      ['update', 'deployments.apps', '-n', app],
      ['create', 'pods', '-n', app],
      ['create', 'pods/exec', '-n', app],
      ['list', 'agentarmies.agentarmy.dev', '--all-namespaces'],
      ['list', 'deployments.apps', '-n', 'default'],
      ['get', 'secrets', '-n', ns],
      ['delete', 'leases.coordination.k8s.io', '-n', ns],
      ['create', 'leases.coordination.k8s.io', '-n', app],
      ['create', 'roles.rbac.authorization.k8s.io', '-n', app],
      ['delete', `namespaces/${app}`],
      ['list', 'customresourcedefinitions.apiextensions.k8s.io'],
    ];
    const allowed: string[][] = [
      ['patch', 'agentarmies.agentarmy.dev', '--subresource=status', '-n', app],
      ['get', 'secrets', '-n', app],
      ['create', 'deployments.apps', '-n', app],
      ['delete', 'configmaps', '-n', app],
      ['create', 'events', '-n', app],
      ['update', 'leases.coordination.k8s.io', '-n', ns],
      // The in-use finalizer, applied as metadata only (the spec is immutable anyway).
      ['patch', 'agentversions.agentarmy.dev', '-n', app],
      // The route finalizer of a gatewayAPI release, the same way.
      ['patch', 'canaryreleases.agentarmy.dev', '-n', app],
    ];
    const check = async (args: string[]) => [args.join(' '), await canI(saKubeconfig, args)] as const;
    const deniedAnswers = await Promise.all(denied.map(check));
    expect(deniedAnswers.filter(([, yes]) => yes).map(([what]) => what)).toEqual([]);
    const allowedAnswers = await Promise.all(allowed.map(check));
    expect(allowedAnswers.filter(([, yes]) => !yes).map(([what]) => what)).toEqual([]);
  });
});

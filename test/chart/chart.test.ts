// The Helm chart itself: lint, schema errors that name the bad value, the least-privilege RBAC contract,
// Deployment flags the real operator parser accepts, and every rendered object accepted by the real API
// server (`kubectl apply --dry-run=server`) in both RBAC modes with every option on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../operator/src/config.js';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/cluster.js';
import { chartDir, findObject, helm, type K8sObject, render, template } from './helm.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type Container = {
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  ports: { name: string; containerPort: number }[];
};
type Deployment = K8sObject & {
  spec: {
    replicas: number;
    template: { spec: { securityContext: Record<string, unknown>; containers: Container[] } };
  };
};

/** group/resource → sorted verbs, merged over all rules. */
function permissions(rules: Rule[]): Record<string, string> {
  const out: Record<string, Set<string>> = {};
  for (const r of rules) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        const key = `${g || 'core'}/${res}`;
        out[key] ??= new Set();
        for (const v of r.verbs) out[key].add(v);
      }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort().join(',')]));
}

// Exactly what the operator calls (operator/src: informers list+watch, server-side apply = patch, plus
// create on first apply, prune = delete, status merge patches, the promptRef ConfigMap and Secret GETs by
// name, the HTTPRoute GET and patch of a gatewayAPI release, core/v1 Events, the AgentVersion in-use
// finalizer and the CanaryRelease route finalizer applied as metadata, the evaluation Jobs of a release
// watched and applied, and their pods listed; canary pods patched with the shadow annotation of a mirror step).
const expectedPermissions = {
  'agentarmy.dev/agentarmies': 'list,watch',
  'agentarmy.dev/agentversions': 'list,patch,watch',
  'agentarmy.dev/canaryreleases': 'list,patch,watch',
  'agentarmy.dev/agentarmies/status': 'patch',
  'agentarmy.dev/agentversions/status': 'patch',
  'agentarmy.dev/canaryreleases/status': 'patch',
  'agentarmy.dev/agentarmies/finalizers': 'update',
  'agentarmy.dev/agentversions/finalizers': 'update',
  'apps/deployments': 'create,delete,list,patch,watch',
  'core/configmaps': 'create,delete,get,list,patch,watch',
  'core/services': 'create,delete,list,patch,watch',
  'autoscaling/horizontalpodautoscalers': 'create,delete,list,patch,watch',
  'policy/poddisruptionbudgets': 'create,delete,list,patch,watch',
  'gateway.networking.k8s.io/httproutes': 'get,patch',
  'core/secrets': 'get',
  'core/pods': 'list,patch,watch',
  'batch/jobs': 'create,list,patch,watch',
  'core/events': 'create,patch',
};

describe('chart lint and schema', () => {
  it('passes helm lint --strict', async () => {
    const r = await helm(['lint', '--strict', chartDir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it.each([
    [{ replicaCount: -1 }, /replicaCount.*minimum/s],
    [{ logLevel: 'loud' }, /logLevel/],
    [{ image: { tag: 5 } }, /image\/tag.*string/s],
    [{ watchNamespaces: ['Team_A'] }, /watchNamespaces\/0/],
    [{ concurrency: 0 }, /concurrency/],
    [{ leaderElection: { leaseDuration: 15 } }, /leaderElection\/leaseDuration/],
    [{ prometheusRule: { errorRateThreshold: 5 } }, /prometheusRule\/errorRateThreshold/],
    [{ replicas: 2 }, /additional properties 'replicas' not allowed/],
  ])('rejects %j with a message naming the value', async (values, message) => {
    const r = await template(values);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toMatch(message);
  });

  it('rejects several replicas without leader election, saying why', async () => {
    const r = await template({ replicaCount: 2, leaderElection: { enabled: false } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('replicaCount > 1 needs leaderElection.enabled=true');
  });
});

describe('rendered objects', () => {
  it('gives users view and edit (aggregated into the built-in roles) and a separate control role', async () => {
    const objs = await render();
    // Cluster-scoped names carry the release namespace (<namespace>-<release>-view, …).
    const role = (name: string) =>
      objs.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith(`-${name}`)) as K8sObject & {
        rules: Rule[];
      };
    const aggregated = (name: string) =>
      Object.keys(role(name).metadata.labels ?? {}).filter((l) =>
        l.startsWith('rbac.authorization.k8s.io/aggregate-to-'),
      );
    expect(permissions(role('view').rules)).toEqual({
      'agentarmy.dev/agentarmies': 'get,list,watch',
      'agentarmy.dev/agentarmies/status': 'get,list,watch',
      'agentarmy.dev/agentversions': 'get,list,watch',
      'agentarmy.dev/agentversions/status': 'get,list,watch',
      'agentarmy.dev/canaryreleases': 'get,list,watch',
      'agentarmy.dev/canaryreleases/status': 'get,list,watch',
    });
    expect(aggregated('view').sort()).toEqual([
      'rbac.authorization.k8s.io/aggregate-to-admin',
      'rbac.authorization.k8s.io/aggregate-to-edit',
      'rbac.authorization.k8s.io/aggregate-to-view',
    ]);
    expect(permissions(role('edit').rules)['agentarmy.dev/canaryreleases']).toBe(
      'create,delete,deletecollection,patch,update',
    );
    expect(aggregated('edit').sort()).toEqual([
      'rbac.authorization.k8s.io/aggregate-to-admin',
      'rbac.authorization.k8s.io/aggregate-to-edit',
    ]);
    // Control is the status channel: never aggregated, bound on purpose.
    expect(aggregated('control')).toEqual([]);
    expect(permissions(role('control').rules)).toMatchObject({
      'agentarmy.dev/agentarmies/status': 'get,patch',
      'agentarmy.dev/canaryreleases/status': 'get,patch',
    });
    expect(permissions(role('edit').rules)['agentarmy.dev/canaryreleases/status']).toBeUndefined();
  });

  it('grants exactly the verbs the operator uses, cluster-wide by default', async () => {
    const objs = await render();
    // The operator's ClusterRole is the one its ClusterRoleBinding binds.
    const operatorBinding = findObject(objs, 'ClusterRoleBinding') as K8sObject & {
      roleRef: { name: string };
    };
    const role = objs.find(
      (o) => o.kind === 'ClusterRole' && o.metadata.name === operatorBinding.roleRef.name,
    ) as K8sObject & {
      rules: Rule[];
    };
    expect(permissions(role.rules)).toEqual(expectedPermissions);
    expect(objs.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual([
      'agent-army-leader-election',
    ]);
    const lease = findObject(objs, 'Role') as K8sObject & { rules: Rule[] };
    expect(permissions(lease.rules)).toEqual({ 'coordination.k8s.io/leases': 'create,get,update' });
    const binding = findObject(objs, 'ClusterRoleBinding') as K8sObject & {
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'agent-army', namespace: 'agent-army-system' },
    ]);
  });

  it('uses a Role and RoleBinding per watched namespace, and no ClusterRole, for a namespace list', async () => {
    const objs = await render({ watchNamespaces: ['team-a', 'team-b'] });
    // Only the users' ClusterRoles remain cluster-wide; the operator is bound nowhere outside its namespaces.
    expect(objs.some((o) => o.kind === 'ClusterRoleBinding')).toBe(false);
    expect(objs.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name)).toEqual([
      'agent-army-system-agent-army-view',
      'agent-army-system-agent-army-edit',
      'agent-army-system-agent-army-control',
    ]);
    for (const ns of ['team-a', 'team-b']) {
      const role = findObject(objs, 'Role', ns) as K8sObject & { rules: Rule[] };
      expect(permissions(role.rules)).toEqual(expectedPermissions);
      expect(findObject(objs, 'RoleBinding', ns)).toMatchObject({
        subjects: [{ kind: 'ServiceAccount', name: 'agent-army', namespace: 'agent-army-system' }],
      });
    }
    const dep = findObject(objs, 'Deployment') as Deployment;
    expect(dep.spec.template.spec.containers[0]?.args).toContain('--namespaces=team-a,team-b');
  });

  it('runs non-root on a read-only root filesystem with probes on /healthz and /readyz', async () => {
    const dep = findObject(await render(), 'Deployment') as Deployment;
    const pod = dep.spec.template.spec;
    const c = pod.containers[0]!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(dep.spec.replicas).toBe(1);
  });

  it('passes flags and env the operator itself parses into the intended configuration', async () => {
    const values = { replicaCount: 2, watchNamespaces: ['team-a'], concurrency: 8, logLevel: 'debug' };
    const dep = findObject(await render(values, { namespace: 'ops' }), 'Deployment') as Deployment;
    const c = dep.spec.template.spec.containers[0]!;
    expect(c.env.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath])).toEqual([
      ['POD_NAME', 'metadata.name'],
      ['POD_NAMESPACE', 'metadata.namespace'],
    ]);
    const config = loadConfig(c.args, { POD_NAME: 'agent-army-7d9f-abcde', POD_NAMESPACE: 'ops' });
    expect(config).toMatchObject({
      namespaces: ['team-a'],
      concurrency: 8,
      logLevel: 'debug',
      leaderElect: true,
      leaseName: 'agent-army-operator',
      leaseNamespace: 'ops',
      identity: 'agent-army-7d9f-abcde',
      metricsPort: 8080,
      metricsBindAddress: '0.0.0.0',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    const all = findObject(await render(), 'Deployment') as Deployment;
    expect(loadConfig(all.spec.template.spec.containers[0]!.args, {}).namespaces).toEqual([]);
  });
});

describe('kubectl apply --dry-run=server of the rendered chart', () => {
  const ns = uniqueNamespace('chart-dry');
  const watched = [`${ns}-a`, `${ns}-b`];

  beforeAll(async () => {
    for (const n of [ns, ...watched]) await kubectlOk(['create', 'namespace', n]);
  });
  afterAll(async () => {
    await kubectl(['delete', 'namespace', ns, ...watched, '--wait=false']);
  });

  const everything = {
    replicaCount: 2,
    networkPolicy: {
      enabled: true,
      metricsFrom: [{ namespaceSelector: { matchLabels: { monitoring: 'true' } } }],
    },
    podDisruptionBudget: { enabled: true },
    grafanaDashboard: { enabled: true },
    serviceMonitor: { enabled: true },
    prometheusRule: { enabled: true },
  };

  it.each([
    ['every namespace (ClusterRole)', {}],
    ['a namespace list (Roles)', { watchNamespaces: watched }],
  ])('accepts every object with all options on, watching %s', async (_, extra) => {
    const objs = await render({ ...everything, ...extra }, { namespace: ns, release: 'dry' });
    // The Prometheus Operator CRDs are not installed here; test/chart/monitoring.test.ts checks those two.
    const monitoring = objs.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'));
    expect(monitoring.map((o) => o.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    const rest = objs.filter((o) => !monitoring.includes(o));
    const out = await kubectlOk(['apply', '--dry-run=server', '-o', 'name', '-f', '-'], {
      input: rest.map((o) => stringify(o)).join('---\n'),
    });
    const applied = out.trim().split('\n').sort();
    expect(applied).toEqual(
      rest
        .map((o) =>
          `${o.kind.toLowerCase()}.${groupOf(o.apiVersion)}/${o.metadata.name}`.replace('.core/', '/'),
        )
        .sort(),
    );
    expect(rest.map((o) => o.kind)).toEqual(
      expect.arrayContaining([
        'Deployment',
        'ServiceAccount',
        'Service',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'ConfigMap',
      ]),
    );
  });
});

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : 'core';
}

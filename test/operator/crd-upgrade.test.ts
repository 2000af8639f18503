// Upgrading over objects of the previous schema (real apiserver): the CRDs and operator of the previous
// version (commit PREVIOUS on main, before the admission rules on names, the query-timeout cap,
// invokeTokenSecretRef and the online judge) run the examples of that commit to Ready; then the current
// CRDs are applied over the stored objects and the current operator takes over. Every object stays
// readable and valid under the new schema (the stored objects and the old manifests both), is reconciled
// by the new operator (Ready again, the new AgentVersion and CanaryRelease finalizers, the applied-hash on
// children), and no Deployment's pod template changes except as docs/upgrading.md says.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  safeParseAgentArmy,
  safeParseAgentVersion,
  safeParseCanaryRelease,
} from '../../operator/src/api/v1alpha1/index.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { installGatewayApiCrds } from '../gateway/start.js';
import {
  clusterDir,
  deleteNamespaces,
  eventually,
  kubeconfigPath,
  kubectl,
  kubectlOk,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import { startOperatorInProcess } from '../support/delivery.js';
import { type ServiceProcess, spawnOperator } from '../support/processes.js';

/** The previous schema: main just before the harden merge (issue 17) changed the CRDs. */
const PREVIOUS = 'cbc6580';
const ns = uniqueNamespace('upgrade');
const prevDir = join(clusterDir, `upgrade-${PREVIOUS}`);
const EXAMPLES = [
  'agent-version.yaml',
  'minimal-army.yaml',
  'autoscaled-army.yaml',
  'blue-green.yaml',
  'canary-error-rate.yaml',
  'canary-latency-cost.yaml',
  'header-cohort-canary.yaml',
];
/** The armies those examples create (one per army example file). */
const ARMIES = [
  'support',
  'support-autoscaled',
  'support-bluegreen',
  'support-canary',
  'support-gated',
  'support-cohort',
];

let oldOperator: ServiceProcess | undefined;
let mgr: Manager | undefined;

type Obj = { kind: string; metadata: { name: string; generation?: number; finalizers?: string[] } };
type Deployment = Obj & {
  metadata: { annotations?: Record<string, string> };
  spec: { template: unknown; replicas?: number };
};
const list = async <T>(kind: string) =>
  (JSON.parse(await kubectlOk(['get', kind, '-n', ns, '-o', 'json'])) as { items: T[] }).items;
const byName = <T extends Obj>(items: T[]) => Object.fromEntries(items.map((i) => [i.metadata.name, i]));
const applyDir = (dir: string) =>
  kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(prevDir, dir)]);
/**
 * The namespace's pods that are not Ready, each with its phase, node and the condition that holds it back
 * (the scheduler's reason for a Pending pod), so a timeout says whether the cluster or the operator waited.
 */
async function podsNotReady(): Promise<string> {
  type Pod = Obj & {
    spec?: { nodeName?: string };
    status?: {
      phase?: string;
      conditions?: { type: string; status: string; reason?: string; message?: string }[];
    };
  };
  const pods = await list<Pod>('pods').catch((err: unknown) => String(err));
  if (typeof pods === 'string') return `pods: ${pods}`;
  const stuck = pods.filter((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True');
  const line = (p: Pod) => {
    const held = p.status?.conditions?.find((c) => c.status !== 'True');
    const why = held
      ? ` ${held.type}=${held.status} ${held.reason ?? ''} ${held.message ?? ''}`.trimEnd()
      : '';
    return `${p.metadata.name} ${p.status?.phase ?? '?'} on ${p.spec?.nodeName ?? 'no node'}${why}`;
  };
  return `${pods.length} pods, ${stuck.length} not Ready${stuck.length ? `: ${stuck.map(line).join('; ')}` : ''}`;
}

const allArmiesReady = () =>
  eventually(
    'every army Ready',
    async () => {
      type Army = Obj & { status?: { conditions?: { type: string; status: string; message?: string }[] } };
      const armies = await list<Army>('agentarmies');
      const ready = (a: Army) => a.status?.conditions?.find((c) => c.type === 'Ready');
      const waiting = armies.filter((a) => ready(a)?.status !== 'True');
      const names = armies.map((a) => a.metadata.name);
      const missing = ARMIES.filter((n) => !names.includes(n));
      if (missing.length === 0 && waiting.length === 0) return armies;
      throw new Error(
        [
          ...missing.map((n) => `${n}: not created`),
          ...waiting.map((a) => `${a.metadata.name}: ${ready(a)?.message ?? 'no status'}`),
        ].join('; '),
      );
    },
    { timeoutMs: 180_000 },
  ).catch(async (err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)} (${await podsNotReady()})`);
  });

const before: { deployments: Record<string, Deployment>; objects: Record<string, Obj> } = {
  deployments: {},
  objects: {},
};

beforeAll(async () => {
  rmSync(prevDir, { recursive: true, force: true });
  mkdirSync(prevDir, { recursive: true });
  // The previous version's CRDs, examples and operator source (its dependencies are the same packages).
  const archive = execFileSync('git', ['archive', PREVIOUS, 'crds', 'examples', 'operator/src'], {
    cwd: repoRoot,
    maxBuffer: 64 << 20,
  });
  execFileSync('tar', ['-x', '-C', prevDir], { input: archive });
  await installGatewayApiCrds();
  await applyDir('crds');
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', join(prevDir, 'crds')]);
  await kubectlOk(['create', 'namespace', ns]);
  for (const f of EXAMPLES) await kubectlOk(['apply', '-n', ns, '-f', join(prevDir, 'examples', f)]);
  oldOperator = await spawnOperator(
    `operator ${PREVIOUS}`,
    [`--kubeconfig=${kubeconfigPath}`, `--namespaces=${ns}`, '--leader-elect=false', '--log-level=warn'],
    { entry: join(prevDir, 'operator/src/main.ts') },
  );
  await allArmiesReady();
  before.deployments = byName(await list<Deployment>('deployments'));
  await oldOperator.stop();
  oldOperator = undefined;
}, 300_000);

afterAll(async () => {
  await oldOperator?.stop();
  await mgr?.stop();
  // Whatever happened, the cluster is left with the current CRDs for the next test file.
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await deleteNamespaces([ns]);
  rmSync(prevDir, { recursive: true, force: true });
});

describe(`CRDs of ${PREVIOUS} upgraded in place`, () => {
  it('the previous operator ran every example: Deployments for each army', () => {
    expect(Object.keys(before.deployments).length).toBeGreaterThanOrEqual(ARMIES.length);
  });

  it('keeps every stored object readable and valid under the current CRDs and zod schema', async () => {
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
    await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', join(repoRoot, 'crds')]);
    const problems: string[] = [];
    for (const [kind, parse] of [
      ['agentarmies', safeParseAgentArmy],
      ['agentversions', safeParseAgentVersion],
      ['canaryreleases', safeParseCanaryRelease],
    ] as const) {
      const items = await list<Obj>(kind);
      expect(items.length, kind).toBeGreaterThan(0);
      for (const item of items) {
        const r = parse(item);
        if (!r.ok) problems.push(`${kind}/${item.metadata.name}: ${r.error.message}`);
      }
    }
    expect(problems).toEqual([]);
    // The manifests written for the previous schema are still accepted as they are.
    for (const f of EXAMPLES) {
      const r = await kubectl(['apply', '--dry-run=server', '-n', ns, '-f', join(prevDir, 'examples', f)]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
    }
  });

  it('is reconciled by the current operator: armies Ready, finalizers and applied hashes written', async () => {
    mgr = startOperatorInProcess([ns]);
    const versions = await eventually('the in-use finalizer on the versions the armies run', async () => {
      const v = byName(await list<Obj>('agentversions'));
      if (v['orchestrator-v1.0.0']?.metadata.finalizers?.includes('agentarmy.dev/in-use')) return v;
      throw new Error(JSON.stringify(Object.values(v).map((x) => [x.metadata.name, x.metadata.finalizers])));
    });
    expect(versions['orchestrator-v1.0.0']?.metadata.finalizers).toContain('agentarmy.dev/in-use');
    const releases = await eventually('the route finalizer on the gatewayAPI release', async () => {
      const r = byName(await list<Obj & { status?: unknown }>('canaryreleases'));
      const cohort = r['orchestrator-cohort'];
      if (cohort?.metadata.finalizers?.includes('agentarmy.dev/restore-route')) return r;
      throw new Error(JSON.stringify([cohort?.metadata.finalizers, cohort?.status]));
    });
    expect(releases.orchestrator?.metadata.finalizers ?? []).toEqual([]);
    const deployments = await eventually('every Deployment applied by the current operator', async () => {
      const d = await list<Deployment>('deployments');
      const missing = d.filter((x) => !x.metadata.annotations?.['agentarmy.dev/applied-hash']);
      if (missing.length === 0) return d;
      throw new Error(`no applied hash on ${missing.map((x) => x.metadata.name).join(', ')}`);
    });
    expect(deployments.length).toBe(Object.keys(before.deployments).length);
    await allArmiesReady();
  }, 240_000);

  it('changes no pod template (no rollout of a running pod) and no replica count', async () => {
    const after = byName(await list<Deployment>('deployments'));
    const changed: string[] = [];
    for (const [name, old] of Object.entries(before.deployments)) {
      const now = after[name];
      if (!now) changed.push(`${name}: gone`);
      else if (JSON.stringify(now.spec.template) !== JSON.stringify(old.spec.template))
        changed.push(`${name}: ${templateDiff(old.spec.template, now.spec.template).join(', ')}`);
      else if (now.spec.replicas !== old.spec.replicas) changed.push(`${name}: replicas`);
    }
    expect(changed).toEqual([]);
  });
});

/** Paths whose values differ between two JSON values (for a readable failure). */
function templateDiff(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return [path || '.'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) =>
    templateDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`),
  );
}

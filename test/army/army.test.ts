// The AgentArmy controller against the real control plane: children rendered with the right fields, pods
// Ready on KWOK nodes, rollouts, drift reverted, children recreated and pruned, missing versions reported,
// breaking upgrades blocked, a version's config ConfigMap (promptRef edits roll the pods), garbage
// collection, and zero writes after a restart at steady state.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AgentArmy } from '../../operator/src/api/v1alpha1/index.js';
import { agentArmyController } from '../../operator/src/controllers/agent-army/controller.js';
import {
  agentVersionController,
  KEYS_TTL_MS,
  USED_BY_DELAY_MS,
} from '../../operator/src/controllers/agent-version/controller.js';
import { Manager } from '../../operator/src/kube/manager.js';
import { countWrites } from '../../operator/src/observability/metrics.js';
import { testConfig } from '../kube/support.js';
import { eventually, kubectl, kubectlOk, repoRoot, uniqueNamespace } from '../support/cluster.js';
import { agentVersion, army, secret } from './fixtures.js';

const ns = uniqueNamespace('army');
let mgr: Manager | undefined;

type Obj = {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
};
type Army = AgentArmy;

async function get<T = Obj>(kind: string, name: string): Promise<T | undefined> {
  const r = await kubectl(['get', kind, name, '-n', ns, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as T) : undefined;
}
const apply = (yaml: string) => kubectlOk(['apply', '-f', '-'], { input: yaml });
const condition = (a: Army | undefined, type: string) => a?.status?.conditions?.find((c) => c.type === type);

function startManager(): Manager {
  const m = new Manager({ config: testConfig(ns), serveHttp: false });
  m.addController(agentArmyController(m));
  m.addController(agentVersionController(m));
  void m.start();
  return m;
}

async function armyWhere(what: string, pred: (a: Army) => boolean, timeoutMs = 60_000): Promise<Army> {
  return eventually(
    what,
    async () => {
      const a = await get<Army>('agentarmy', 'support');
      return a && pred(a) ? a : undefined;
    },
    { timeoutMs },
  );
}

beforeAll(async () => {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', join(repoRoot, 'crds')]);
  await kubectlOk(['create', 'namespace', ns]);
  await apply(secret(ns));
  await apply(agentVersion(ns, 'orch-v1', '1.0.0'));
  await apply(agentVersion(ns, 'orch-v11', '1.1.0', { compatibleWith: '^1.0.0' }));
  await apply(
    agentVersion(ns, 'orch-v2', '2.0.0', { breakingChanges: ['tool search renamed to web_search'] }),
  );
  mgr = startManager();
});

afterAll(async () => {
  await mgr?.stop();
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('AgentArmy controller (real API server, KWOK pods)', () => {
  it('renders every child with the right fields and reaches Ready with 2 Ready pods', async () => {
    await apply(army(ns, [{ name: 'orchestrator', version: 'orch-v1', replicas: 2 }]));
    // kubectl wait on the Ready condition is how users and CI gate on an army.
    const wait = await kubectl([
      'wait',
      '--for=condition=Ready',
      'agentarmy/support',
      '-n',
      ns,
      '--timeout=60s',
    ]);
    expect(wait.code, wait.stderr).toBe(0);
    const a = (await get<Army>('agentarmy', 'support'))!;
    expect(a.status?.phase).toBe('Ready');
    expect(a.status?.agents?.[0]).toMatchObject({
      name: 'orchestrator',
      stableVersion: 'orch-v1',
      readyReplicas: 2,
    });

    const dep = (await get<
      Obj & {
        spec: {
          replicas: number;
          template: {
            spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] };
          };
        };
      }
    >('deployment', 'support-orchestrator'))!;
    expect(dep.spec.replicas).toBe(2);
    expect(dep.metadata.labels?.['agentarmy.dev/version']).toBe('1.0.0');
    const env = dep.spec.template.spec.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'OPENAI_API_KEY')).toEqual({
      name: 'OPENAI_API_KEY',
      valueFrom: { secretKeyRef: { name: 'llm', key: 'api-key' } },
    });
    // The config is the version's own ConfigMap (owned by the AgentVersion), mounted by the Deployment.
    const cm = (await get<Obj & { metadata: { ownerReferences?: { kind: string; name: string }[] } }>(
      'configmap',
      'orch-v1-agent-config',
    ))!;
    expect(cm.data?.['agent.yaml']).toContain('You are orchestrator 1.0.0.');
    expect(cm.metadata.ownerReferences).toMatchObject([{ kind: 'AgentVersion', name: 'orch-v1' }]);
    const volumes = (dep.spec.template.spec as { volumes?: { configMap?: { name: string } }[] }).volumes;
    expect(volumes?.find((v) => v.configMap)?.configMap?.name).toBe('orch-v1-agent-config');
    expect(await get('configmap', 'support-orchestrator')).toBeUndefined();
    expect(await get('service', 'support-orchestrator')).toBeDefined();
    expect(await get('poddisruptionbudget', 'support-orchestrator')).toBeDefined();
    const pods = JSON.parse(
      await kubectlOk(['get', 'pods', '-n', ns, '-l', 'agentarmy.dev/agent=orchestrator', '-o', 'json']),
    ) as { items: { status: { phase: string } }[] };
    expect(pods.items.filter((p) => p.status.phase === 'Running')).toHaveLength(2);
    const av = (await get<Army>('agentversion', 'orch-v1'))!;
    expect(condition(av, 'Ready')?.status).toBe('True');
  });

  it('rolls a compatible new version and reports it as stable once every pod runs it', async () => {
    await apply(army(ns, [{ name: 'orchestrator', version: 'orch-v11', replicas: 2 }]));
    const a = await armyWhere(
      'stable orch-v11 and Ready',
      (x) => x.status?.agents?.[0]?.stableVersion === 'orch-v11' && x.status.phase === 'Ready',
    );
    expect(condition(a, 'Progressing')?.status).toBe('False');
    const dep = (await get('deployment', 'support-orchestrator'))!;
    expect(dep.metadata.labels?.['agentarmy.dev/version']).toBe('1.1.0');
    const events = await kubectlOk([
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      'reason=RolloutCompleted',
      '-o',
      'name',
    ]);
    expect(events.trim()).not.toBe('');
  });

  it('blocks a breaking upgrade with UpgradeBlocked and keeps running the old version', async () => {
    await apply(army(ns, [{ name: 'orchestrator', version: 'orch-v2', replicas: 2 }]));
    const a = await armyWhere('UpgradeBlocked', (x) => condition(x, 'UpgradeBlocked')?.status === 'True');
    expect(condition(a, 'Degraded')?.message).toMatch(/tool search renamed.*allowBreakingUpgrade/);
    expect(
      (await get('deployment', 'support-orchestrator'))!.metadata.labels?.['agentarmy.dev/version'],
    ).toBe('1.1.0');
    await eventually('an UpgradeBlocked Warning event', async () => {
      const out = await kubectlOk([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        'reason=UpgradeBlocked,type=Warning',
        '-o',
        'name',
      ]);
      return out.trim() ? out : undefined;
    });
    await apply(army(ns, [{ name: 'orchestrator', version: 'orch-v11', replicas: 2 }]));
    await armyWhere('Ready again', (x) => x.status?.phase === 'Ready');
  });

  it('reverts a hand edit of an owned field and recreates a deleted child', async () => {
    await kubectlOk([
      'patch',
      'configmap',
      'orch-v11-agent-config',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"agent.yaml":"edited by hand"}}',
    ]);
    await eventually('version ConfigMap reverted', async () => {
      const cm = await get('configmap', 'orch-v11-agent-config');
      return cm?.data?.['agent.yaml']?.includes('You are orchestrator 1.1.0.') ? cm : undefined;
    });
    const cmBefore = (await get('configmap', 'orch-v11-agent-config'))!;
    await kubectlOk(['delete', 'configmap', 'orch-v11-agent-config', '-n', ns]);
    await eventually('version ConfigMap recreated', async () => {
      const cm = await get('configmap', 'orch-v11-agent-config');
      return cm && cm.metadata.uid !== cmBefore.metadata.uid ? cm : undefined;
    });
    const before = (await get('service', 'support-orchestrator'))!;
    await kubectlOk(['delete', 'service', 'support-orchestrator', '-n', ns]);
    const after = await eventually('Service recreated', async () => {
      const s = await get('service', 'support-orchestrator');
      return s && s.metadata.uid !== before.metadata.uid ? s : undefined;
    });
    expect(after.metadata.labels?.['agentarmy.dev/agent']).toBe('orchestrator');
  });

  it('reports a missing AgentVersion with a condition and an event naming the field, then recovers', async () => {
    await apply(
      army(ns, [
        { name: 'orchestrator', version: 'orch-v11', replicas: 2 },
        { name: 'rag', version: 'rag-v1', replicas: 1 },
      ]),
    );
    const a = await armyWhere(
      'VersionNotFound',
      (x) => condition(x, 'Degraded')?.reason === 'VersionNotFound',
    );
    expect(condition(a, 'Degraded')?.message).toContain(
      'spec.agents[name=rag].version: AgentVersion rag-v1 not found',
    );
    await eventually('a VersionNotFound event', async () => {
      const out = await kubectlOk([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        'reason=VersionNotFound',
        '-o',
        'name',
      ]);
      return out.trim() ? out : undefined;
    });
    await apply(agentVersion(ns, 'rag-v1', '1.0.0', { agent: 'rag' }));
    await armyWhere('Ready with rag', (x) => x.status?.phase === 'Ready' && x.status.agents?.length === 2);
    expect(await get('deployment', 'support-rag')).toBeDefined();
  });

  it('prunes the children of an agent removed from the army', async () => {
    await apply(army(ns, [{ name: 'orchestrator', version: 'orch-v11', replicas: 2 }]));
    await eventually('rag children pruned', async () => {
      const left = await kubectlOk([
        'get',
        'deployment,service,configmap',
        '-n',
        ns,
        '-l',
        'agentarmy.dev/agent=rag',
        '-o',
        'name',
      ]);
      return left.trim() === '' ? true : undefined;
    });
    expect(await get('deployment', 'support-orchestrator')).toBeDefined();
  });

  it('mounts a promptRef prompt through the version ConfigMap and rolls the pods when that prompt changes', async () => {
    await apply(
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'prompts', namespace: ns },
        data: { orch: 'Prompt one.' },
      }),
    );
    await apply(
      agentVersion(ns, 'orch-v12', '1.2.0', {
        compatibleWith: '^1.0.0',
        systemPrompt: undefined,
        promptRef: { name: 'prompts', key: 'orch' },
      }),
    );
    await apply(army(ns, [{ name: 'orchestrator', version: 'orch-v12', replicas: 2 }]));
    await armyWhere(
      'stable orch-v12',
      (x) => x.status?.agents?.[0]?.stableVersion === 'orch-v12' && x.status.phase === 'Ready',
    );
    const hashOf = async () =>
      (await get<Obj & { spec: { template: { metadata: { annotations: Record<string, string> } } } }>(
        'deployment',
        'support-orchestrator',
      ))!.spec.template.metadata.annotations['agentarmy.dev/config-hash'];
    const first = await hashOf();
    expect((await get('configmap', 'orch-v12-agent-config'))?.data?.['agent.yaml']).toContain('Prompt one.');

    await kubectlOk([
      'patch',
      'configmap',
      'prompts',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"data":{"orch":"Prompt two."}}',
    ]);
    // A prompt ConfigMap is not watched: the version sees the new text on its next reconcile (its resync,
    // or any change of it, like this annotation).
    await new Promise((r) => setTimeout(r, KEYS_TTL_MS));
    await kubectlOk(['annotate', 'agentversion', 'orch-v12', '-n', ns, 'example.com/prompt-edited=1']);
    await eventually('version ConfigMap holds the new prompt', async () => {
      const cm = await get('configmap', 'orch-v12-agent-config');
      return cm?.data?.['agent.yaml']?.includes('Prompt two.') ? cm : undefined;
    });
    await eventually('pod template carries the new config hash', async () => {
      const h = await hashOf();
      return h && h !== first ? h : undefined;
    });
    await armyWhere('Ready on the new config', (x) => x.status?.phase === 'Ready');
  });

  it('makes zero writes after a restart at steady state', async () => {
    await armyWhere('Ready', (x) => x.status?.phase === 'Ready');
    // Steady state: the first operator has stopped writing (AgentVersion usedBy follows an army change
    // USED_BY_DELAY_MS later), so a write after the restart would be one the operator did not need.
    let before = -1;
    for (;;) {
      const n = await countWrites(mgr!.metrics);
      if (n === before) break;
      before = n;
      await new Promise((r) => setTimeout(r, 2 * USED_BY_DELAY_MS + 500));
    }
    await mgr?.stop();
    mgr = startManager();
    // Every army and version is reconciled once after the caches sync; then wait a little longer.
    await eventually('reconciles after restart', async () => {
      const data = await mgr!.metrics.reconcileTotal.get();
      const n = data.values.reduce((s, v) => s + v.value, 0);
      return n >= 6 ? n : undefined; // 1 army + 5 versions
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await countWrites(mgr!.metrics)).toBe(0);
  });

  it('lets the garbage collector remove every child when the army is deleted', async () => {
    await kubectlOk(['delete', 'agentarmy', 'support', '-n', ns]);
    await eventually(
      'children garbage-collected',
      async () => {
        const left = await kubectlOk([
          'get',
          'deployment,service,configmap,pdb,hpa',
          '-n',
          ns,
          '-l',
          'agentarmy.dev/army=support',
          '-o',
          'name',
        ]);
        return left.trim() === '' ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
  });
});

// `make demo`: the end-to-end walk-through on the local cluster, printed as it happens.
//  1. bring up the control plane (or reuse a running one) and install the CRDs generated from zod
//  2. start the operator (a real process, the same entry point as the container image)
//  3. an army with agent `orchestrator` at 1.0.0 → Ready (pods on KWOK nodes)
//  4. roll to 1.1.0 (compatible) → Ready at the new version
//  5. ask for 2.0.0, which lists breaking changes → UpgradeBlocked, 1.1.0 keeps running
// then prints a summary with the Events and stops the operator (the cluster stays up: `make cluster-down`).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { eventually, kubeconfigPath, kubectlOk, repoRoot } from '../support/cluster.js';
import { freePort, type ServiceProcess, spawnService } from '../support/processes.js';

const t0 = Date.now();
const ns = 'agent-army-demo';
const say = (msg: string) =>
  console.log(`[demo +${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
const apply = (doc: unknown) => kubectlOk(['apply', '-n', ns, '-f', '-'], { input: stringify(doc) });

interface ArmyView {
  status?: {
    phase?: string;
    ready?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
    agents?: {
      name: string;
      phase: string;
      stableVersion?: string;
      readyReplicas: number;
      message?: string;
    }[];
  };
}

function version(name: string, semver: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentVersion',
    metadata: { name },
    spec: {
      agent: 'orchestrator',
      version: semver,
      image: `agent-army/agent-runtime:${semver}`,
      model: { name: 'gpt-4o-mini', apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      systemPrompt: 'You are the orchestrator of a support team.',
      ...extra,
    },
  };
}

function army(versionName: string) {
  return {
    apiVersion: 'agentarmy.dev/v1alpha1',
    kind: 'AgentArmy',
    metadata: { name: 'support' },
    spec: { agents: [{ name: 'orchestrator', version: versionName, replicas: 3 }] },
  };
}

async function armyState(): Promise<ArmyView> {
  return JSON.parse(await kubectlOk(['get', 'agentarmy', 'support', '-n', ns, '-o', 'json'])) as ArmyView;
}

/** Waits for `pred`, printing each new agent state on the way. */
async function watchArmy(what: string, pred: (a: ArmyView) => boolean): Promise<ArmyView> {
  let last = '';
  return eventually(
    what,
    async () => {
      const a = await armyState();
      const agent = a.status?.agents?.[0];
      const line = `phase=${a.status?.phase ?? '-'} ready=${a.status?.ready ?? '-'} stable=${agent?.stableVersion ?? '-'} pods=${agent?.readyReplicas ?? 0} ${agent?.message ?? ''}`;
      if (line !== last) say(`  army support: ${line}`);
      last = line;
      return pred(a) ? a : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 300 },
  );
}

async function main(): Promise<void> {
  say(
    '1. bringing up the local control plane (kube-apiserver, controller-manager, scheduler, etcd, KWOK nodes)',
  );
  execFileSync('bash', [join(repoRoot, 'test/cluster/cluster.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const v = JSON.parse(await kubectlOk(['version', '-o', 'json'])) as {
    serverVersion: { gitVersion: string };
  };
  say(`   Kubernetes ${v.serverVersion.gitVersion} ready; KUBECONFIG=${kubeconfigPath}`);
  say('   installing the CRDs generated from the zod schemas (crds/)');
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', join(repoRoot, 'crds')]);
  await kubectlOk(['create', 'namespace', ns, '--dry-run=client', '-o', 'yaml']).then((y) =>
    kubectlOk(['apply', '-f', '-'], { input: y }),
  );
  // A previous demo run leaves its army behind; start from a clean namespace.
  await kubectlOk(['delete', 'agentarmy,agentversion', '--all', '-n', ns, '--wait=true']);

  say('2. starting the operator (node operator/src/main.ts)');
  const port = await freePort();
  const operator: ServiceProcess = await spawnService({
    name: 'operator',
    entry: 'operator/src/main.ts',
    args: [
      `--kubeconfig=${kubeconfigPath}`,
      `--namespaces=${ns}`,
      '--leader-elect=false',
      `--metrics-port=${port}`,
      '--metrics-bind-address=127.0.0.1',
      '--log-level=warn',
    ],
    port,
    timeoutMs: 60_000,
  });
  try {
    say(`   operator ready; metrics on ${operator.url}/metrics`);
    await apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'llm' },
      stringData: { 'api-key': 'sk-demo-not-a-real-key' },
    });
    await apply(version('orchestrator-v1-0-0', '1.0.0'));
    await apply(version('orchestrator-v1-1-0', '1.1.0', { compatibleWith: '^1.0.0' }));
    await apply(
      version('orchestrator-v2-0-0', '2.0.0', { breakingChanges: ['tool search_tickets renamed to search'] }),
    );

    say('3. army "support": agent orchestrator at 1.0.0, 3 replicas');
    await apply(army('orchestrator-v1-0-0'));
    await watchArmy(
      'Ready at 1.0.0',
      (a) => a.status?.phase === 'Ready' && a.status.agents?.[0]?.stableVersion === 'orchestrator-v1-0-0',
    );

    say('4. rolling to 1.1.0 (compatibleWith ^1.0.0)');
    await apply(army('orchestrator-v1-1-0'));
    await watchArmy(
      'Ready at 1.1.0',
      (a) => a.status?.phase === 'Ready' && a.status.agents?.[0]?.stableVersion === 'orchestrator-v1-1-0',
    );

    say('5. asking for 2.0.0, which lists breaking changes');
    await apply(army('orchestrator-v2-0-0'));
    const blocked = await watchArmy(
      'UpgradeBlocked',
      (a) => a.status?.conditions?.some((c) => c.type === 'UpgradeBlocked' && c.status === 'True') ?? false,
    );
    say(`   blocked: ${blocked.status?.conditions?.find((c) => c.type === 'Degraded')?.message}`);

    say('summary:');
    console.log(await kubectlOk(['get', 'agentarmy,agentversion', '-n', ns]));
    console.log(await kubectlOk(['get', 'deployments,pods', '-n', ns, '-L', 'agentarmy.dev/version']));
    console.log(
      await kubectlOk([
        'get',
        'events',
        '-n',
        ns,
        '--field-selector',
        'involvedObject.kind=AgentArmy',
        '--sort-by=.lastTimestamp',
      ]),
    );
    say(
      `done. Explore: eval "$(bash test/cluster/cluster.sh env)"; kubectl get army,av -n ${ns}. Stop: make cluster-down`,
    );
  } finally {
    await operator.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`[demo] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

// `make demo`: the end-to-end walk-through on the local cluster. It brings the cluster up (or reuses a
// running one), installs the CRDs generated from the zod schemas, applies the examples and shows what
// the apiserver now serves. Later stages (operator, runtime processes, canary rollback and promotion)
// are added to this script as they land; each stage prints what it did.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlOk, repoRoot } from '../support/cluster.js';

const t0 = Date.now();
const say = (msg: string) => console.log(`[demo +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

async function main(): Promise<void> {
  say(
    'bringing up the local control plane (kube-apiserver, controller-manager, scheduler, etcd, KWOK nodes)',
  );
  const kubeconfig = execFileSync('bash', [join(repoRoot, 'test/cluster/cluster.sh'), 'up'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
  say(`cluster ready; KUBECONFIG=${kubeconfig}`);
  const version = JSON.parse(await kubectlOk(['version', '-o', 'json'])) as {
    serverVersion: { gitVersion: string };
  };
  say(`server version ${version.serverVersion.gitVersion}`);
  console.log(await kubectlOk(['get', 'nodes', '-o', 'wide']));

  const crdDir = join(repoRoot, 'crds');
  const crdFiles = existsSync(crdDir) ? readdirSync(crdDir).filter((f) => f.endsWith('.yaml')) : [];
  if (crdFiles.length === 0) {
    say('no CRDs generated yet in crds/ — nothing to install');
    return;
  }
  say(`installing ${crdFiles.length} CRDs: ${crdFiles.join(', ')}`);
  console.log(await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', crdDir]));
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', crdDir]);
  say('CRDs established');

  const ns = 'agent-army-demo';
  await kubectlOk(['create', 'namespace', ns, '--dry-run=client', '-o', 'yaml']).then((y) =>
    kubectlOk(['apply', '-f', '-'], { input: y }),
  );
  const exampleDir = join(repoRoot, 'examples');
  const examples = readdirSync(exampleDir)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('argocd'))
    .sort();
  for (const f of examples) {
    say(`applying examples/${f} in namespace ${ns}`);
    console.log(await kubectlOk(['apply', '-n', ns, '-f', join(exampleDir, f)]));
  }
  say('what the apiserver now serves (kubectl get army,av,crel):');
  console.log(await kubectlOk(['get', 'agentarmy,agentversion,canaryrelease', '-n', ns]));
  say(
    `done in ${((Date.now() - t0) / 1000).toFixed(1)} s. Explore with: eval "$(bash test/cluster/cluster.sh env)"; kubectl get army,av,crel -n ${ns}`,
  );
  say('stop the cluster with: make cluster-down');
}

main().catch((err: unknown) => {
  console.error(`[demo] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

// A real browser for the dashboard tests: Debian's Chromium (installed by `make setup`, never at test time)
// driven by playwright-core, the dashboard itself as `kubectl agentarmy dashboard` child processes, and
// axe-core run inside the page.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { applyManifest } from '../support/cluster.js';
import { freePort, type ServiceProcess, spawnService } from '../support/processes.js';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox', // the tests run as root here
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`make setup\` (installs Debian's chromium package)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** `kubectl agentarmy dashboard` on a free port, as the user of `kubeconfig` sees the cluster. */
export async function startDashboard(
  name: string,
  kubeconfig: string,
  namespace: string,
  extra: string[] = [],
): Promise<ServiceProcess> {
  const port = await freePort();
  return spawnService({
    name,
    entry: 'operator/bin/kubectl-agentarmy.js',
    args: ['dashboard', '--port', String(port), '-n', namespace, `--kubeconfig=${kubeconfig}`, ...extra],
    port,
    readyPath: '/healthz',
    timeoutMs: 60_000,
    env: { KUBECONFIG: undefined },
  });
}

/** A Role that may read armies, versions, releases and Events, and write nothing (no status patch). */
export function viewOnlyRbac(namespace: string, serviceAccount: string) {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'agent-army-dashboard-view', namespace },
      rules: [
        {
          apiGroups: ['agentarmy.dev'],
          resources: ['agentarmies', 'agentversions', 'canaryreleases'],
          verbs: ['get', 'list', 'watch'],
        },
        { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'agent-army-dashboard-view', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'agent-army-dashboard-view' },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
  ];
}

export async function applyAll(docs: unknown[]): Promise<void> {
  for (const d of docs) await applyManifest(d);
}

interface AxeResult {
  violations: Array<{ id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown }> }>;
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy (scripts from the dashboard
  // only) stays in force, the test does not have to switch it off.
  const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
  const result = (await page.evaluate(
    `axe.run({ runOnly: { type: 'tag', values: ${JSON.stringify(tags)} } })`,
  )) as AxeResult;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

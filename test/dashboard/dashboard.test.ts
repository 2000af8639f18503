// `kubectl agentarmy dashboard` in a real browser (Debian's Chromium through playwright-core) against the
// real control plane with the operator running, a real Prometheus and simulated tracks: the overview shows
// a new army within 2 s, a release page follows the weight from 10 to 50 without a reload, Promote writes
// status.control like the plugin and the operator's answer appears, a view-only user gets the API
// server's refusal and the release does not move, every measurement is a chart point under the threshold
// line, and axe-core finds no serious or critical accessibility problem.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryRelease } from '../../operator/src/api/v1alpha1/index.js';
import { KubeClient } from '../../operator/src/kube/api-client.js';
import type { Manager } from '../../operator/src/kube/manager.js';
import { agentVersion } from '../army/fixtures.js';
import { serviceAccountKubeconfig } from '../chart/helm.js';
import {
  applyManifest,
  eventually,
  getObject,
  kubeConfig,
  kubeconfigPath,
  repoRoot,
  uniqueNamespace,
} from '../support/cluster.js';
import {
  canaryArmy,
  canaryRelease,
  type DeliveryWorld,
  simulatedTrack,
  startDeliveryWorld,
  startOperatorInProcess,
} from '../support/delivery.js';
import type { ServiceProcess } from '../support/processes.js';
import { applyAll, launchBrowser, seriousViolations, startDashboard, viewOnlyRbac } from './browser.js';

const ns = uniqueNamespace('dashboard');
/** Where the README's screenshot goes: docs/dashboard.png with `make dashboard-screenshot`. */
const screenshotPath = process.env.DASHBOARD_SCREENSHOT ?? join(repoRoot, '.test-results/dashboard.png');

let world: DeliveryWorld | undefined;
let mgr: Manager | undefined;
let admin: ServiceProcess | undefined;
let viewer: ServiceProcess | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
const pageProblems: string[] = [];

type Release = CanaryRelease;
const getRelease = async () => (await getObject<Release>(ns, 'canaryrelease/orchestrator'))!;
const releaseUntil = (what: string, pred: (r: Release) => boolean, timeoutMs = 90_000) =>
  eventually(
    what,
    async () => {
      const r = await getRelease();
      return pred(r) ? r : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );

/** A page whose script errors and console errors are collected (except the one 403 a test expects). */
async function newPage(b: Browser, opts: { expectForbidden?: boolean } = {}): Promise<Page> {
  const p = await b.newPage({ viewport: { width: 1360, height: 900 } });
  p.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (opts.expectForbidden && m.text().includes('status of 403')) return;
    pageProblems.push(`console error: ${m.text()}`);
  });
  return p;
}

beforeAll(async () => {
  // The canary fails a little more and costs a little more than stable, within the thresholds.
  const stable = simulatedTrack(ns, '1.0.0', 'stable', 0.01);
  const canary = { ...simulatedTrack(ns, '1.1.0', 'canary', 0.02), costPerSuccess: 0.0012 };
  world = await startDeliveryWorld(ns, [stable, canary], '15s');
  await applyManifest(agentVersion(ns, 'orch-v1', '1.0.0'));
  await applyManifest(
    agentVersion(ns, 'orch-v11', '1.1.0', {
      model: { name: 'gpt-4.1-mini', temperature: 0.2, apiKeySecretRef: { name: 'llm', key: 'api-key' } },
      systemPrompt: 'You are orchestrator 1.1.0.\nAnswer in two sentences at most.',
      tools: [{ name: 'search', url: 'http://search.tools:8080/run' }],
    }),
  );
  await applyManifest(
    canaryRelease(ns, {
      steps: [
        { setWeight: 10 },
        { analysis: {} },
        { pause: {} },
        { setWeight: 50 },
        { analysis: {} },
        { pause: {} },
        { setWeight: 100 },
      ],
      analysis: {
        provider: { prometheus: { address: world.prom.url, timeout: '5s' } },
        interval: '2s',
        count: 2,
        window: '15s',
        minSampleSize: 20,
        maxErrorRate: 0.05,
        maxCostPerRequestRatio: 1.5,
      },
      progressDeadlineSeconds: 60,
    }),
  );
  await applyAll(viewOnlyRbac(ns, 'viewer'));
  const viewerKubeconfig = await serviceAccountKubeconfig(ns, 'viewer');
  mgr = startOperatorInProcess([ns]);
  [admin, viewer, browser] = await Promise.all([
    startDashboard('dashboard (admin)', kubeconfigPath, ns, ['--prometheus', world.prom.url]),
    startDashboard('dashboard (view-only)', viewerKubeconfig, ns),
    launchBrowser(),
  ]);
  page = await newPage(browser);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([admin?.stop(), viewer?.stop()]);
  await mgr?.stop();
  await world?.close();
});

describe('kubectl agentarmy dashboard in Chromium', () => {
  it('lists a new army on the open overview within 2 s of its creation, without a reload', async ({
    task,
  }) => {
    const p = page!;
    await p.goto(admin!.url);
    await p.locator('#live[data-state="live"]').waitFor({ timeout: 10_000 });
    const client = new KubeClient(kubeConfig());
    try {
      await client.request({
        method: 'POST',
        path: `/apis/agentarmy.dev/v1alpha1/namespaces/${ns}/agentarmies`,
        body: canaryArmy(ns, 'orch-v1'),
      });
    } finally {
      client.close();
    }
    const created = Date.now();
    await p.locator(`[data-army="${ns}/support"]`).waitFor({ timeout: 2000 });
    const seenAfterMs = Date.now() - created;
    expect(seenAfterMs).toBeLessThan(2000);
    // In the JSON report (meta) for the record of how fast the page follows the cluster.
    Object.assign(task.meta, { armyOnOverviewAfterMs: seenAfterMs });
    // …and it keeps following the army: the operator makes it Ready.
    await p.locator(`[data-army="${ns}/support"] h3 .badge-ready`).waitFor({ timeout: 60_000 });
    expect(await seriousViolations(p)).toEqual([]);
  });

  it('shows a view-only user the API server refusal of Promote, and the release does not move', async () => {
    await applyManifest(canaryArmy(ns, 'orch-v11'));
    const paused = await releaseUntil(
      'release paused for a human at 10%',
      (r) => r.status?.phase === 'Paused' && r.status.pauseReason === 'Step',
    );
    const p = await newPage(browser!, { expectForbidden: true });
    try {
      await p.goto(`${viewer!.url}/releases/${ns}/orchestrator`);
      await p.locator('#phase[data-phase="Paused"]').waitFor({ timeout: 10_000 });
      // By keyboard: the button is reachable and has a name and a description.
      const promote = p.getByRole('button', { name: 'Promote', exact: true });
      await expect.poll(() => promote.getAttribute('aria-describedby')).toBe('action-promote-desc');
      await promote.focus();
      await p.keyboard.press('Enter');
      const error = p.locator('#control-error');
      await expect
        .poll(() => error.textContent(), { timeout: 10_000 })
        .toMatch(/Promote failed: .*403.*forbidden/i);
      expect(await error.textContent()).toContain('canaryreleases/status');
    } finally {
      await p.close();
    }
    const after = await getRelease();
    expect(after.status?.phase).toBe('Paused');
    expect(after.status?.currentStepIndex).toBe(paused.status?.currentStepIndex);
    expect(after.status?.control?.id).toBe(paused.status?.control?.id);
  });

  it('promotes a paused release on a click, shows the acknowledgement, and follows the weight from 10 to 50', async () => {
    const p = page!;
    await p.goto(`${admin!.url}/releases/${ns}/orchestrator`);
    await p.locator('#phase[data-phase="Paused"]').waitFor({ timeout: 10_000 });
    expect(await p.locator('#weight').getAttribute('data-weight')).toBe('10');
    expect(await p.locator('.steps li[aria-current="step"]').textContent()).toContain('pause until promoted');
    // Every weight the page shows from now on, recorded in the page without reloading it.
    // (browser-side code as text: the tests compile without the DOM types)
    await p.evaluate(`{
      const seen = (window.weightsSeen = []);
      const record = () => {
        const w = document.querySelector('#weight')?.getAttribute('data-weight');
        if (w && seen.at(-1) !== w) seen.push(w);
      };
      record();
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    }`);
    await p.getByRole('button', { name: 'Promote', exact: true }).click();
    const result = p.locator('#control-result[data-outcome="Applied"]');
    await result.waitFor({ timeout: 30_000 });
    const id = await result.getAttribute('data-request-id');
    expect(await result.textContent()).toMatch(/Promote: Applied/);
    // The acknowledgement comes from status.lastControl, pushed to the page by the watch.
    await p
      .locator(`.last-control[data-last-control-id="${id}"][data-outcome="Applied"]`)
      .waitFor({ timeout: 10_000 });
    const r = await releaseUntil('release at 50%', (x) => x.status?.canaryWeight === 50);
    expect(r.status?.lastControl).toMatchObject({ id, outcome: 'Applied' });
    await p.locator('#weight[data-weight="50"]').waitFor({ timeout: 10_000 });
    expect(await p.evaluate('window.weightsSeen')).toEqual(['10', '50']);
    await expect
      .poll(() => p.locator('figure[data-timeline]').getAttribute('data-timeline'))
      .toMatch(/^10,50/);
    await expect.poll(() => p.locator('.events').textContent()).toMatch(/ControlApplied/);
  });

  it('draws one chart point per measurement with the threshold line, and live series from Prometheus', async () => {
    const p = page!;
    const r = await releaseUntil(
      'paused after the analysis at 50%',
      (x) => x.status?.phase === 'Paused' && x.status.canaryWeight === 50,
    );
    const measurements = (r.status?.analysisRuns ?? []).flatMap((run) => run.measurements);
    for (const metric of ['error-rate', 'cost-ratio']) {
      const count = measurements.filter((m) => m.metric === metric).length;
      expect(count).toBeGreaterThanOrEqual(4);
      const fig = p.locator(`figure[data-metric="${metric}"]`);
      await expect.poll(() => fig.getAttribute('data-measurements')).toBe(String(count));
      const plot = fig.locator('.plot[data-drawn="true"]').first();
      await expect.poll(() => plot.getAttribute('data-points')).toBe(String(count));
      expect(await plot.getAttribute('data-threshold-points')).toBe(String(count));
      expect(await plot.getAttribute('data-series')).toContain('threshold (max)');
      expect(await plot.locator('canvas').count()).toBe(1);
      expect(await fig.locator('table.measurements tbody tr').count()).toBe(count);
    }
    // cost-ratio is judged relative to stable: its chart has the stable side too.
    expect(
      await p.locator('figure[data-metric="cost-ratio"] .plot').first().getAttribute('data-series'),
    ).toContain('stable');
    const live = p.locator('[data-live-for="error-rate"] .plot[data-drawn="true"]');
    await live.waitFor({ timeout: 30_000 });
    expect(Number(await live.getAttribute('data-points'))).toBeGreaterThan(1);
    expect(await live.getAttribute('data-series')).toMatch(
      /canary \(live\)\|stable \(live\)\|threshold \(max\)/,
    );
    expect(await seriousViolations(p)).toEqual([]);
    mkdirSync(dirname(screenshotPath), { recursive: true });
    await p.screenshot({ path: screenshotPath, fullPage: true });
  });

  it('shows what changed from the stable to the canary version, and keyboard users can get there', async () => {
    const p = page!;
    await p.goto(`${admin!.url}/releases/${ns}/orchestrator`);
    await p.keyboard.press('Tab');
    expect(await p.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    const link = p.getByRole('link', { name: 'what changed' });
    await link.focus();
    await p.keyboard.press('Enter');
    await p.waitForURL(/\/diff\//);
    const row = (field: string) => p.locator(`tr[data-field="${field}"]`);
    expect(await row('model.name').getAttribute('class')).toBe('changed');
    expect(await row('model.name').textContent()).toContain('gpt-4.1-mini');
    expect(await row('tools.search').getAttribute('class')).toBe('changed');
    expect(await row('image').getAttribute('class')).toBe('changed');
    expect(await p.locator('.prompt-diff .line-added').count()).toBeGreaterThan(0);
    expect(await seriousViolations(p)).toEqual([]);
    expect(pageProblems).toEqual([]);
  });
});

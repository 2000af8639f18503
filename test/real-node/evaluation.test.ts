// Real containers: the CanaryRelease `evaluation` step on the real node. Its Job runs the canary and the
// stable version (the agent-runtime image) as sidecars and agent-runtime's `evaluate` entry, which replays
// a golden dataset against both and has the fake upstream's judge model score every answer (answers of a
// prompt with 'Be brief' score 0.4, others 0.9). The step comes first, before any weight: a worse prompt is
// rolled back with no user request ever reaching the canary; a healthy version passes and is promoted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { CanaryRelease, CanaryReleaseStatus } from '../../operator/src/api/v1alpha1/index.js';
import { applyManifest, eventually, getObject, kubectlOk } from '../support/cluster.js';
import { canaryRelease } from '../support/delivery.js';
import { realNodeAvailable } from '../support/real-node.js';
import { type RealWorld, realArmy, realVersion, startRealWorld, waitForArmy } from './world.js';

const enabled = realNodeAvailable();
let w: RealWorld;

const WORSE_PROMPT = 'You are the orchestrator. Be brief.';
const judge = { model: 'judge', rubric: 'Answers the question asked.', sampleRate: 0 };
const SAMPLES = 12;

const release = async (): Promise<Partial<CanaryReleaseStatus>> =>
  (await getObject<CanaryRelease>(w.ns, 'canaryrelease/orchestrator'))?.status ?? {};

const canaryAgent = (version: string) => ({
  name: 'orchestrator',
  version,
  replicas: 2,
  strategy: { type: 'Canary', canary: { canaryReleaseRef: { name: 'orchestrator' } } },
});

/** The release's Events of one reason, oldest first. */
async function releaseEvents(reason: string): Promise<string[]> {
  const list = JSON.parse(
    await kubectlOk([
      'get',
      'events',
      '-n',
      w.ns,
      '--field-selector',
      `involvedObject.kind=CanaryRelease,involvedObject.name=orchestrator,reason=${reason}`,
      '-o',
      'json',
    ]),
  ) as { items: { message: string }[] };
  return list.items.map((e) => e.message);
}

/** Samples, every 250 ms until stopped, the highest canary weight and canary pod count seen. */
function watchTraffic() {
  const seen = { weight: 0, canaryReplicas: 0, samples: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const s = await release().catch(() => ({}) as Partial<CanaryReleaseStatus>);
      const dep = await getObject<{ spec?: { replicas?: number } }>(
        w.ns,
        'deployment/support-orchestrator-canary',
      ).catch(() => undefined);
      seen.weight = Math.max(seen.weight, s.canaryWeight ?? 0);
      seen.canaryReplicas = Math.max(seen.canaryReplicas, dep?.spec?.replicas ?? 0);
      seen.samples += 1;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    seen,
    stop: async () => {
      stopped = true;
      await loop;
      return seen;
    },
  };
}

/** Seconds the Job ran (its own startTime → completionTime). */
async function jobSeconds(name: string): Promise<number | undefined> {
  const job = await getObject<{ status?: { startTime?: string; completionTime?: string } }>(
    w.ns,
    `job/${name}`,
  );
  const { startTime, completionTime } = job?.status ?? {};
  return startTime && completionTime
    ? (Date.parse(completionTime) - Date.parse(startTime)) / 1000
    : undefined;
}

beforeAll(async () => {
  if (!enabled) return;
  w = await startRealWorld('real-eval', {
    upstream: {
      models: {
        good: { latencyMs: { min: 5, max: 15 } },
        judge: { judge: { promptRules: [{ match: 'Be brief', score: 0.4 }], default: 0.9 } },
      },
    },
  });
  const dataset = Array.from({ length: SAMPLES }, (_, i) =>
    JSON.stringify({ id: `q${i + 1}`, input: `What is the status of order ${1000 + i}?` }),
  ).join('\n');
  await applyManifest(
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'golden', namespace: w.ns },
      data: { 'dataset.jsonl': dataset },
    }),
  );
  await applyManifest(realVersion(w.ns, 'orch-v1', '1.0.0', 'good', { judge }));
  await applyManifest(realVersion(w.ns, 'orch-v2', '2.0.0', 'good', { judge, systemPrompt: WORSE_PROMPT }));
  await applyManifest(realVersion(w.ns, 'orch-v3', '3.0.0', 'good', { judge }));
  await applyManifest(
    canaryRelease(w.ns, {
      steps: [
        { evaluation: { dataset: { configMapRef: { name: 'golden' } }, minSamples: 10, timeout: '3m' } },
        { setWeight: 50 },
        { setWeight: 100 },
      ],
      progressDeadlineSeconds: 120,
    }),
  );
  await applyManifest(realArmy(w.ns, [canaryAgent('orch-v1')]));
  await waitForArmy(w.ns, 'army Ready at 1.0.0 on 2 real pods', (s) => s.phase === 'Ready', 300_000);
}, 600_000);

afterAll(async () => {
  await w?.close();
});

describe.runIf(enabled)('the evaluation step on real pods', () => {
  it('rolls back a version whose prompt answers worse at the evaluation step, before any user traffic', async () => {
    const traffic = watchTraffic();
    const started = Date.now();
    await applyManifest(realArmy(w.ns, [canaryAgent('orch-v2')]));
    const rolledBack = await eventually(
      'RolledBack at the evaluation step',
      async () => {
        const s = await release();
        return s.phase === 'RolledBack' && s.toVersion === 'orch-v2' ? s : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    const seen = await traffic.stop();
    const m = rolledBack.analysisRuns?.at(-1)?.measurements.find((x) => x.metric === 'evaluation');
    const events = await releaseEvents('RolledBack');
    const jobs = JSON.parse(
      await kubectlOk([
        'get',
        'jobs',
        '-n',
        w.ns,
        '-l',
        'app.kubernetes.io/component=evaluation',
        '-o',
        'json',
      ]),
    ) as { items: { metadata: { name: string } }[] };
    const seconds = await jobSeconds(jobs.items[0]?.metadata.name ?? '');
    process.stderr.write(
      `[real-node] worse prompt: canary ${m?.value} vs stable ${m?.stableValue} (${m?.sampleSize}/${m?.stableSampleSize} judged), ` +
        `rolled back ${((Date.now() - started) / 1000).toFixed(1)} s after the version change, evaluation Job ran ${seconds} s; ` +
        `max canary weight ${seen.weight}, max canary pods ${seen.canaryReplicas} over ${seen.samples} samples\n`,
    );
    expect(rolledBack.currentStepIndex).toBe(0);
    expect(m).toMatchObject({
      result: 'Fail',
      value: 0.4,
      stableValue: 0.9,
      sampleSize: SAMPLES,
      stableSampleSize: SAMPLES,
    });
    // No user traffic ever reached the canary: weight 0 and no canary pod during the whole release.
    expect(seen.samples).toBeGreaterThan(4);
    expect(seen.weight).toBe(0);
    expect(seen.canaryReplicas).toBe(0);
    const event = events.find((e) => e.includes('orch-v2')) ?? '';
    expect(event).toContain('(EvaluationFailed)');
    expect(event).toContain('canary 0.4 vs stable 0.9');
    expect(event).toContain(`judged answers: canary ${SAMPLES}, stable ${SAMPLES}`);
    expect(jobs.items).toHaveLength(1);
  }, 300_000);

  it('passes a healthy version at the evaluation step and promotes it through its weights', async () => {
    await applyManifest(realArmy(w.ns, [canaryAgent('orch-v3')]));
    const promoted = await eventually(
      'Promoted',
      async () => {
        const s = await release();
        return s.phase === 'Promoted' && s.toVersion === 'orch-v3' ? s : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    const m = promoted.analysisRuns?.find((r) => r.version === 'orch-v3')?.measurements[0];
    expect(m).toMatchObject({ metric: 'evaluation', result: 'Pass', value: 0.9, stableValue: 0.9 });
    const completed = await releaseEvents('StepCompleted');
    expect(
      completed.some((e) => e.includes('step 1/3 (evaluation)') && e.includes('evaluation passed')),
    ).toBe(true);
    await waitForArmy(
      w.ns,
      'army Ready at 3.0.0',
      (s) => s.phase === 'Ready' && s.agents?.[0]?.stableVersion === 'orch-v3',
      120_000,
    );
  }, 420_000);
});

// The demo's story after act 1, shared by the process demo (run-demo.ts) and the real-node demo
// (run-demo-real.ts): how a release is followed and printed, and acts 2–4 (a flaky model rolled back, a
// healthy version promoted, a worse prompt rolled back by the judge gate). The two demos differ only in
// where the pods run and how traffic reaches them, which they bring as `applyArmy` and `onPoll`.
import type { AgentArmy, CanaryRelease, CanaryReleaseStatus } from '../../operator/src/api/v1alpha1/index.js';
import { eventually } from '../support/cluster.js';
import { type JudgedRollback, judgedRollback } from './manifests.js';

export interface DemoResult {
  rollback: { weights: number[]; errorRate?: number; event?: string; stable?: string };
  promotion: { weights: number[]; stable?: string; phase?: string; stepsCompleted: string[] };
  /** Act 4: the version whose answers got worse, rolled back by the judge gate. */
  judged: JudgedRollback;
  requests: { sent: number; failed: number };
  seconds: number;
}

/** Where a release settled: the release, its army and every canary weight it held on the way. */
export interface Settled {
  r: CanaryRelease;
  a: AgentArmy;
  weights: number[];
}

/** Follows the release until `done`; `version` is the version being rolled out (for the caller's hooks). */
export type Follow = (
  version: string,
  done: (r: CanaryRelease, a: AgentArmy) => boolean,
  timeoutMs: number,
) => Promise<Settled>;

/** One line of progress: phase, step, weight and the latest error-rate and judge-score measurements. */
export function statusLine(s: Partial<CanaryReleaseStatus>, steps: number): string {
  const latest = (metric: string) =>
    s.analysisRuns
      ?.at(-1)
      ?.measurements.filter((x) => x.metric === metric)
      .at(-1);
  const m = latest('error-rate');
  const j = latest('judge-score');
  const errors = m
    ? `error-rate=${m.value?.toFixed(3) ?? '-'} (${m.result}, ${m.sampleSize ?? 0} requests)`
    : '';
  const judged = j
    ? ` judge-score=${j.value?.toFixed(2) ?? '-'} vs stable ${j.stableValue?.toFixed(2) ?? '-'} (${j.result})`
    : '';
  const step = Math.min((s.currentStepIndex ?? 0) + 1, steps);
  return `phase=${s.phase ?? 'Idle'} step=${step}/${steps} weight=${s.canaryWeight ?? 0}% ${errors}${judged}`;
}

/**
 * A Follow that reads release `orchestrator` and army `support` every 500 ms, prints each new status line,
 * and calls `onPoll` first on every poll (the process demo plays kubelet there; the real one measures shares).
 */
export function follower(opts: {
  get: <T>(kind: string, name: string) => Promise<T>;
  say: (line: string) => void;
  steps: number;
  onPoll?: (version: string, s: Partial<CanaryReleaseStatus>) => Promise<void>;
}): Follow {
  return async (version, done, timeoutMs) => {
    const weights: number[] = [];
    let last = '';
    return eventually(
      'the release to settle',
      async () => {
        const r = await opts.get<CanaryRelease>('canaryrelease', 'orchestrator');
        const a = await opts.get<AgentArmy>('agentarmy', 'support');
        const s: Partial<CanaryReleaseStatus> = r.status ?? {};
        await opts.onPoll?.(version, s);
        if (weights.at(-1) !== (s.canaryWeight ?? 0)) weights.push(s.canaryWeight ?? 0);
        const line = statusLine(s, opts.steps);
        if (line !== last) opts.say(`  release: ${line}`);
        last = line;
        return done(r, a) ? { r, a, weights } : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  };
}

async function eventMessages(
  k: (args: string[]) => Promise<string>,
  ns: string,
  selector: string,
): Promise<string[]> {
  const events = JSON.parse(
    await k(['get', 'events', '-n', ns, '--field-selector', selector, '-o', 'json']),
  ) as { items: { message: string }[] };
  return events.items.map((e) => e.message);
}

/** The RolledBack Event of `version` (the release keeps one per rollback). */
export async function rolledBackEvent(
  k: (args: string[]) => Promise<string>,
  ns: string,
  version: string,
): Promise<string | undefined> {
  return (await eventMessages(k, ns, 'reason=RolledBack')).find((m) => m.includes(`rolled back ${version} `));
}

const stableOf = (s: Settled) => s.a.status?.agents?.[0]?.stableVersion;
const rolledBackOrPaused = (r: CanaryRelease) =>
  r.status?.phase === 'RolledBack' || r.status?.phase === 'Paused';

/** Acts 2–4 on a running army at 1.0.0 under load; returns what the demo reports of them. */
export async function playActs(ctx: {
  say: (line: string) => void;
  k: (args: string[]) => Promise<string>;
  ns: string;
  follow: Follow;
  applyArmy: (versionName: string) => Promise<unknown>;
  timeoutsMs: { rollback: number; promotion: number; judged: number };
}): Promise<Pick<DemoResult, 'rollback' | 'promotion' | 'judged'>> {
  const { say, k, ns, follow } = ctx;
  say('2. rolling out 1.1.0 (flaky-model) as a canary');
  await ctx.applyArmy('orchestrator-v1-1-0');
  const bad = await follow('1.1.0', rolledBackOrPaused, ctx.timeoutsMs.rollback);
  const failing = bad.r.status?.analysisRuns
    ?.flatMap((x) => x.measurements)
    .filter((m) => m.metric === 'error-rate' && m.result === 'Fail')
    .at(-1);
  const badEvent = await rolledBackEvent(k, ns, 'orchestrator-v1-1-0');
  say(`   ${bad.r.status?.phase}: ${bad.r.status?.message ?? ''}`);
  if (badEvent) say(`   Event RolledBack: ${badEvent}`);

  say('3. rolling out 1.2.0 (healthy) as a canary');
  await ctx.applyArmy('orchestrator-v1-2-0');
  const good = await follow(
    '1.2.0',
    (r, a) =>
      r.status?.phase === 'Promoted' && a.status?.agents?.[0]?.stableVersion === 'orchestrator-v1-2-0',
    ctx.timeoutsMs.promotion,
  );
  say(`   Promoted: ${good.a.status?.agents?.[0]?.message ?? ''}`);
  const steps = await eventMessages(k, ns, 'involvedObject.kind=CanaryRelease,reason=StepCompleted');

  say('4. rolling out 1.3.0 (a new prompt only: same model, errors and latency) as a canary');
  await ctx.applyArmy('orchestrator-v1-3-0');
  const worse = await follow(
    '1.3.0',
    (r) => r.status?.toVersion === 'orchestrator-v1-3-0' && rolledBackOrPaused(r),
    ctx.timeoutsMs.judged,
  );
  const judgedEvent = await rolledBackEvent(k, ns, 'orchestrator-v1-3-0');
  say(`   ${worse.r.status?.phase}: ${worse.r.status?.message ?? ''}`);
  if (judgedEvent) say(`   Event RolledBack: ${judgedEvent}`);
  return {
    judged: judgedRollback(worse.r, worse.weights, judgedEvent, stableOf(worse)),
    rollback: {
      weights: bad.weights,
      ...(failing?.value !== undefined ? { errorRate: failing.value } : {}),
      ...(badEvent ? { event: badEvent } : {}),
      ...(stableOf(bad) ? { stable: stableOf(bad) } : {}),
    },
    promotion: {
      weights: good.weights,
      ...(stableOf(good) ? { stable: stableOf(good) } : {}),
      ...(good.r.status?.phase ? { phase: good.r.status.phase } : {}),
      stepsCompleted: steps,
    },
  };
}

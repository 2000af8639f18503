// `make demo`: brings the local control plane up (or reuses it) with its real node, and runs the
// end-to-end canary demo on real pods (run-demo-real.ts), printing progress, the canary's measured traffic
// share at each step and a summary. On a machine that cannot run a real node (cluster.sh says why in one
// line) it falls back to agent-runtime processes beside KWOK pods (run-demo.ts); under CI=true the
// cluster fails instead. A cluster this command started is stopped at the end unless KEEP_CLUSTER=1.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/cluster.js';
import { realNodeIp } from '../support/real-node.js';
import { type DemoResult, runDemo } from './run-demo.js';
import { type MeasuredShare, runRealDemo } from './run-demo-real.js';

const t0 = Date.now();
const say = (msg: string) =>
  console.log(`[demo +${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
const script = join(repoRoot, 'test/cluster/cluster.sh');
/** Weights of the StepCompleted Events ("… completed at weight 50"); a poll can miss a short step, Events do not. */
const stepWeights = (messages: string[]) =>
  messages.flatMap((m) => /completed at weight (\d+)$/.exec(m)?.[1] ?? []).map(Number);

async function main(): Promise<void> {
  let wasRunning = true;
  try {
    execFileSync('bash', [script, 'status'], { stdio: 'ignore' });
  } catch {
    wasRunning = false;
  }
  say(
    'bringing up the local control plane (kube-apiserver, controller-manager, scheduler, etcd, KWOK nodes, a real node)',
  );
  execFileSync('bash', [script, 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const real = realNodeIp() !== undefined;
    if (!real) say('no real node here (see above): agents run as local processes beside KWOK pods');
    const r: DemoResult & { shares?: MeasuredShare[] } = real ? await runRealDemo(say) : await runDemo(say);
    say('summary');
    if (r.shares) {
      for (const s of r.shares)
        console.log(
          `  ${s.version} at weight ${s.weight}%: measured ${s.measured.toFixed(1)}% of ${s.requests} requests`,
        );
    }
    console.log(
      `  rollback of 1.1.0: weights ${r.rollback.weights.join('% → ')}%, measured error rate ${r.rollback.errorRate?.toFixed(3) ?? '?'} > 0.05, stable stayed ${r.rollback.stable}`,
    );
    console.log(
      `  promotion of 1.2.0: steps completed at weights ${stepWeights(r.promotion.stepsCompleted).join('% → ')}%, release ${r.promotion.phase}, stable now ${r.promotion.stable}`,
    );
    const j = r.judged;
    console.log(
      `  rollback of 1.3.0 (new prompt only): judge score canary ${j.canaryScore?.toFixed(2) ?? '?'} vs stable ${j.stableScore?.toFixed(2) ?? '?'} over ${j.judged?.canary ?? '?'}/${j.judged?.stable ?? '?'} judged answers, error-rate gate ${j.errorRateFailed ? 'failed too' : 'passed'}, stable stayed ${j.stable ?? '?'}`,
    );
    console.log(
      `  ${r.requests.sent} requests sent through agent-runtime${real ? ' pods' : ''} (${r.requests.failed} failed), ${r.seconds} s in all`,
    );
  } finally {
    if (!wasRunning && process.env.KEEP_CLUSTER !== '1') {
      say('stopping the cluster this demo started (KEEP_CLUSTER=1 keeps it)');
      execFileSync('bash', [script, 'down'], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
  }
}

main().catch((err: unknown) => {
  console.error(`[demo] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

// The README's main command, asserted: the same run as `make demo`. On the real node (the default): the
// operator installed by Helm from its image, agent-runtime pods through the openai SDK to the fake upstream
// pod, Prometheus discovering the pods, a load pod sending through the Service. Without a real node (never
// under CI): agent-runtime processes per track beside KWOK pods. A bad version is rolled back automatically
// on its measured error rate; a good one is promoted step by step; one whose answers got worse (same
// errors, same latency) is rolled back by the judge gate.
import { describe, expect, it, onTestFailed } from 'vitest';
import { type DemoResult, runDemo } from '../demo/run-demo.js';
import { type MeasuredShare, runRealDemo } from '../demo/run-demo-real.js';
import { realNodeAvailable } from '../support/real-node.js';

const real = realNodeAvailable();

describe('make demo, end to end', () => {
  it('rolls back 1.1.0 on its error rate, promotes 1.2.0 through 10% → 50% → 100%, rolls back 1.3.0 on its judge score', async () => {
    const lines: string[] = [];
    const say = (l: string) => lines.push(l);
    // A failed run prints what the demo printed, phases and measurements included.
    onTestFailed(() => console.error(lines.join('\n')));
    const r: DemoResult & { shares?: MeasuredShare[] } = real ? await runRealDemo(say) : await runDemo(say);

    // Rollback: the canary got traffic, its error rate crossed 5%, weight went back to 0, stable untouched.
    expect(r.rollback.weights).toContain(10);
    expect(r.rollback.weights.at(-1)).toBe(0);
    expect(r.rollback.weights).not.toContain(50);
    expect(r.rollback.errorRate).toBeGreaterThan(0.05);
    expect(r.rollback.event).toMatch(
      /rolled back orchestrator-v1-1-0 to orchestrator-v1-0-0 \(AnalysisFailed\).*error-rate=0\.\d+ \(threshold <= 0\.05\)/,
    );
    expect(r.rollback.stable).toBe('orchestrator-v1-0-0');

    // Promotion: every weight step in order, then the new version is the stable one.
    // A short step can fall between two polls; the release's Events record every completed step.
    for (const w of [10, 50, 100]) {
      expect(r.promotion.stepsCompleted.some((m) => m.endsWith(`completed at weight ${w}`))).toBe(true);
    }
    expect(r.promotion.weights.filter((w) => w > 0 && w < 100)).toEqual([10, 50]);
    expect(r.promotion.phase).toBe('Promoted');
    expect(r.promotion.stable).toBe('orchestrator-v1-2-0');

    // Act 4: a prompt change with the same errors and latency is rolled back by the judge gate alone, the
    // Event naming both mean scores and both judged-sample counts.
    expect(r.judged.phase).toBe('RolledBack');
    expect(r.judged.weights).toContain(10);
    expect(r.judged.weights.at(-1)).toBe(0);
    expect(r.judged.canaryScore).toBeCloseTo(0.4, 2);
    expect(r.judged.stableScore).toBeCloseTo(0.9, 2);
    expect(r.judged.judged?.canary).toBeGreaterThanOrEqual(10);
    expect(r.judged.judged?.stable).toBeGreaterThanOrEqual(10);
    expect(r.judged.errorRateFailed).toBe(false);
    expect(r.judged.event).toMatch(
      /rolled back orchestrator-v1-3-0 to orchestrator-v1-2-0 \(AnalysisFailed\).*judge-score.*canary 0\.4 vs stable 0\.9/,
    );
    expect(r.judged.stable).toBe('orchestrator-v1-2-0');

    // Real traffic flowed through the runtimes the whole time.
    expect(r.requests.sent).toBeGreaterThan(300);
    expect(r.requests.failed / r.requests.sent).toBeLessThan(0.1);
    if (!real) {
      expect(lines.some((l) => l.includes('runtime: started canary 1.1.0'))).toBe(true);
      return;
    }
    // On real pods the canary's share is measured at each held weight: 1 and 5 of 10 pods.
    const at = (v: string, w: number) => r.shares?.find((s) => s.version === v && s.weight === w)?.measured;
    expect(at('1.2.0', 10)).toBeGreaterThan(3);
    expect(at('1.2.0', 10)).toBeLessThan(20);
    expect(at('1.2.0', 50)).toBeGreaterThan(35);
    expect(at('1.2.0', 50)).toBeLessThan(65);
    expect(lines.some((l) => /traffic at weight 10%: the canary answered/.test(l))).toBe(true);
  }, 600_000);
});

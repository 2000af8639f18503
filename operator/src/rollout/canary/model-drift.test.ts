import { describe, expect, it } from 'vitest';
import { type AnalysisRunStatus, CanaryReleaseStatus, type ModelDrift } from '../../api/v1alpha1/index.js';
import { ANALYSIS, at, deployment, iso, midRelease, observed, release, run } from '../fixtures.test-util.js';
import { decideCanary } from './decide.js';

const DRIFT: ModelDrift = {
  askedModel: 'agent-model',
  servedModel: 'other-model',
  servedCalls: 42,
  detectedAt: iso(10),
};
const ready1 = { deployment: deployment('v2', 1), crashLooping: false };

function decideWith(policy: string | undefined, incoming: AnalysisRunStatus, status = {}) {
  const analysis = policy === undefined ? ANALYSIS : { ...ANALYSIS, modelDrift: policy };
  const rel = release({ analysis }, midRelease(1, { analysisRuns: [run('Running', [])], ...status }));
  const plan = decideCanary(observed(rel, { canary: ready1, analysis: incoming }), at(10));
  CanaryReleaseStatus.parse(plan.status);
  return plan;
}

const drifted = () => ({ ...run('Running', []), modelDrift: DRIFT });

describe('decideCanary: model drift', () => {
  it.each([
    [undefined, 'Paused', ['ModelDrift', 'Paused']],
    ['Pause', 'Paused', ['ModelDrift', 'Paused']],
    ['Rollback', 'RolledBack', ['ModelDrift', 'RolledBack']],
    ['Ignore', 'Progressing', ['ModelDrift']],
  ])('policy %s: the release ends %s with events %j', (policy, phase, reasons) => {
    const p = decideWith(policy, drifted());
    expect(p.status.phase).toBe(phase);
    expect(p.events.map((e) => e.reason)).toEqual(reasons);
    expect(p.status.modelDrift).toEqual(DRIFT);
    const event = p.events.find((e) => e.reason === 'ModelDrift');
    expect(event?.type).toBe('Warning');
    expect(event?.message).toContain('asks for model agent-model but the provider served other-model');
    const cond = p.status.conditions?.find((c) => c.type === 'ModelDrift');
    expect(cond).toMatchObject({ status: 'True', reason: 'ServedModelDiffers' });
    expect(cond?.message).toContain('other-model');
  });

  it('pauses with reason ModelDrift naming both models, and deciding again changes nothing', () => {
    const p = decideWith('Pause', drifted());
    expect(p.status.pauseReason).toBe('ModelDrift');
    expect(p.status.message).toMatch(/agent-model .*other-model/);
    const again = decideCanary(
      observed(release({ analysis: ANALYSIS }, p.status), { canary: ready1, analysis: drifted() }),
      at(11),
    );
    expect(again.events).toEqual([]);
    expect(again.status.phase).toBe('Paused');
  });

  it('records a drift it already recorded only once (policy Ignore keeps analysing)', () => {
    const p = decideWith('Ignore', drifted(), { modelDrift: DRIFT });
    expect(p.events).toEqual([]);
    expect(p.status.phase).toBe('Progressing');
  });

  it('asks the engine to check the model the canary AgentVersion asks for, only for that version', () => {
    const rel = release({}, midRelease(1, { analysisRuns: [run('Running', [])] }));
    const mine = decideCanary(
      observed(rel, { canary: ready1, canaryModel: { version: 'v2', model: 'agent-model' } }),
      at(30),
    );
    expect(mine.measurement?.askedModel).toBe('agent-model');
    const stale = decideCanary(
      observed(rel, { canary: ready1, canaryModel: { version: 'v1', model: 'old' } }),
      at(30),
    );
    expect(stale.measurement !== undefined).toBe(true);
    expect(stale.measurement?.askedModel).toBeUndefined();
  });

  it('has no ModelDrift condition without a drift', () => {
    const p = decideWith('Pause', run('Running', []));
    expect(p.status.conditions?.some((c) => c.type === 'ModelDrift')).toBe(false);
  });
});

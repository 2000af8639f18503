import { describe, expect, it } from 'vitest';
import { parseCanaryRelease } from '../../../api/v1alpha1/index.js';
import { releaseModel } from '../release-model.js';
import { releaseRegions } from './release-page.js';

const release = parseCanaryRelease({
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'CanaryRelease',
  metadata: { name: 'orch', namespace: 'shop' },
  spec: { targetRef: { army: 'support', agent: 'orch' }, steps: [{ setWeight: 10 }, { pause: {} }] },
  status: {
    phase: 'Paused',
    pauseReason: 'Step',
    currentStepIndex: 1,
    canaryWeight: 10,
    fromVersion: 'v1',
    toVersion: 'v2',
    message: '<script>alert(1)</script>',
  },
});
const regions = releaseRegions(
  releaseModel({ release, events: [], observedWeights: [], now: new Date('2026-01-01T00:00:00Z') }),
);

describe('release page markup', () => {
  it('marks the current step with a real aria-current attribute', () => {
    expect(regions.steps?.value).toContain('<li class="step step-current" aria-current="step">');
  });

  it('disables the buttons the operator would ignore and says why in their description', () => {
    const controls = regions.controls?.value ?? '';
    expect(controls).toMatch(/<button [^>]*id="action-retry"[^>]* disabled>Retry<\/button>/);
    expect(controls).toMatch(
      /<button [^>]*id="action-promote"[^>]*aria-describedby="action-promote-desc">Promote<\/button>/,
    );
    expect(controls).toContain(
      '<li id="action-retry-desc">restart a rolled-back release (not possible in this phase)</li>',
    );
  });

  it('escapes what the cluster says', () => {
    expect(regions.summary?.value).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(regions.summary?.value).not.toContain('<script>');
  });
});

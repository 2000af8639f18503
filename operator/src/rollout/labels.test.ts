import { describe, expect, it } from 'vitest';
import { agentLabels, labelValue } from './labels.js';

describe('labelValue', () => {
  it.each([
    ['a plain semantic version, unchanged', '1.2.0', '1.2.0'],
    ['a pre-release, unchanged', '1.2.0-rc.1', '1.2.0-rc.1'],
    ['build metadata: + is not allowed in a label value', '1.2.0+build.7', '1.2.0_build.7'],
    ['cut to 63 characters', `1.0.0-${'a'.repeat(80)}`, `1.0.0-${'a'.repeat(57)}`],
    ['no leading or trailing non-alphanumeric', '+1.0.0+', '1.0.0'],
  ])('%s', (_what, input, expected) => {
    expect(labelValue(input)).toBe(expected);
    expect(labelValue(input)).toMatch(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/);
    expect(labelValue(input).length).toBeLessThanOrEqual(63);
  });

  it('puts the cleaned version on the children, so a version with build metadata can be applied', () => {
    const labels = agentLabels(
      { army: 'support', agent: 'orchestrator' },
      { version: '2.0.0+sha.abc', track: 'canary' },
    );
    expect(labels['agentarmy.dev/version']).toBe('2.0.0_sha.abc');
    expect(labels['app.kubernetes.io/version']).toBe('2.0.0_sha.abc');
  });
});

import { describe, expect, it } from 'vitest';
import { AgentArmyStatus } from './agent-army.js';
import { CanaryReleaseStatus } from './canary-release.js';
import {
  operatorOwnedFields,
  renderStatusPolicyTemplate,
  statusValidations,
  unchangedExpression,
} from './status-policy.js';

describe('status policy', () => {
  it('protects every status field but control, from the zod schemas', () => {
    expect(operatorOwnedFields(CanaryReleaseStatus)).not.toContain('control');
    expect(operatorOwnedFields(CanaryReleaseStatus)).toEqual(
      Object.keys(CanaryReleaseStatus.shape)
        .filter((f) => f !== 'control')
        .sort(),
    );
    expect(operatorOwnedFields(AgentArmyStatus)).toContain('agents');
    const [army, release] = statusValidations();
    for (const f of operatorOwnedFields(CanaryReleaseStatus))
      expect(release?.expression).toContain(`object.status.${f}`);
    expect(army?.expression).toContain("request.resource.resource != 'agentarmies'");
    expect(release?.expression).not.toContain('object.status.control');
  });

  it('counts an absent defaulted field as its default (a first status write adds the defaults)', () => {
    expect(unchangedExpression('phase', 'Idle')).toBe(
      "((has(object.status) && has(object.status.phase)) ? object.status.phase : 'Idle') == ((has(oldObject.status) && has(oldObject.status.phase)) ? oldObject.status.phase : 'Idle')",
    );
    const [, release] = statusValidations();
    expect(release?.expression).toContain("object.status.phase : 'Idle'");
    expect(release?.expression).toContain('object.status.canaryWeight : 0');
  });

  it("exempts the operator's ServiceAccount and cluster admins, as Helm placeholders", () => {
    const t = renderStatusPolicyTemplate();
    expect(t).toContain(
      `request.userInfo.username != 'system:serviceaccount:{{ .Release.Namespace }}:{{ include "agent-army.serviceAccountName" . }}'`,
    );
    expect(t).toContain("!('system:masters' in request.userInfo.groups)");
    expect(t.startsWith('{{- /* Generated')).toBe(true);
  });
});

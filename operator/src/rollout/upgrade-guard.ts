// The semver guard: moving an agent from its running AgentVersion to another is blocked when the new one
// declares breaking changes or a `compatibleWith` range that excludes the running version, unless the
// army's agent sets allowBreakingUpgrade. Pure.
import semver from 'semver';
import type { AgentVersion } from '../api/v1alpha1/index.js';

export type UpgradeVerdict =
  | {
      allowed: true;
      reason: 'FirstInstall' | 'SameVersion' | 'Compatible' | 'BreakingAllowed';
      message: string;
    }
  | { allowed: false; reason: 'IncompatibleVersion' | 'BreakingChanges'; message: string };

export function checkUpgrade(
  running: AgentVersion | undefined,
  desired: AgentVersion,
  allowBreakingUpgrade: boolean,
): UpgradeVerdict {
  const to = desired.spec.version;
  if (!running) return { allowed: true, reason: 'FirstInstall', message: `installing ${to}` };
  const from = running.spec.version;
  if (running.metadata.name === desired.metadata.name) {
    return { allowed: true, reason: 'SameVersion', message: `running ${to}` };
  }
  const problems: { reason: 'IncompatibleVersion' | 'BreakingChanges'; message: string }[] = [];
  const range = desired.spec.compatibleWith;
  if (range !== undefined && !semver.satisfies(from, range, { includePrerelease: true })) {
    problems.push({
      reason: 'IncompatibleVersion',
      message: `${to} declares compatibleWith "${range}", which excludes the running ${from}`,
    });
  }
  const breaking = desired.spec.breakingChanges ?? [];
  if (breaking.length > 0) {
    problems.push({
      reason: 'BreakingChanges',
      message: `${to} lists breaking changes: ${breaking.join('; ')}`,
    });
  }
  const first = problems[0];
  if (!first) return { allowed: true, reason: 'Compatible', message: `${from} → ${to} is compatible` };
  const message = problems.map((p) => p.message).join('; ');
  if (allowBreakingUpgrade) {
    return {
      allowed: true,
      reason: 'BreakingAllowed',
      message: `${message} (allowed by allowBreakingUpgrade)`,
    };
  }
  return {
    allowed: false,
    reason: first.reason,
    message: `upgrade ${from} → ${to} blocked: ${message}; set spec.agents[].allowBreakingUpgrade: true to proceed`,
  };
}

/**
 * The version a progressive release may move to: the desired one, or — when the guard blocks the upgrade
 * — the stable one (so no release starts), with the reason.
 */
export function releaseDesiredVersion(
  stable: AgentVersion | undefined,
  desired: AgentVersion,
  agent: { allowBreakingUpgrade: boolean },
): { name: string; blocked?: string } {
  const verdict = checkUpgrade(stable, desired, agent.allowBreakingUpgrade);
  if (verdict.allowed || !stable) return { name: desired.metadata.name ?? '' };
  return { name: stable.metadata.name ?? '', blocked: verdict.message };
}

// AgentVersion status: Ready when what it references exists (the API key Secret and key, the prompt
// ConfigMap and key), and usedBy, the army agents that run or roll out this version; and the version's
// config ConfigMap, which every army running the version mounts. Pure.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { AgentVersion, AgentVersionStatus } from '../../api/v1alpha1/index.js';
import { setCondition } from '../../kube/conditions.js';
import { renderAgentConfig, renderVersionConfigMap } from '../../rollout/render/render-config.js';

export interface ObservedVersion {
  version: AgentVersion;
  /** Keys of the API key Secret; undefined when the Secret does not exist. */
  secretKeys: readonly string[] | undefined;
  /** Keys of the prompt ConfigMap (when promptRef is set); undefined when it does not exist. */
  promptKeys: readonly string[] | undefined;
  /** The text under the promptRef key, when that key exists. */
  promptText?: string | undefined;
  /** Armies of the namespace (to compute usedBy). */
  armies: readonly ArmyUsage[];
}

export function missingReferences(obs: ObservedVersion): string[] {
  const spec = obs.version.spec;
  const problems: string[] = [];
  const secret = spec.model.apiKeySecretRef;
  if (obs.secretKeys === undefined) {
    problems.push(`spec.model.apiKeySecretRef: Secret ${secret.name} not found`);
  } else if (!obs.secretKeys.includes(secret.key)) {
    problems.push(`spec.model.apiKeySecretRef: Secret ${secret.name} has no key "${secret.key}"`);
  }
  if (spec.promptRef) {
    if (obs.promptKeys === undefined) {
      problems.push(`spec.promptRef: ConfigMap ${spec.promptRef.name} not found`);
    } else if (!obs.promptKeys.includes(spec.promptRef.key)) {
      problems.push(`spec.promptRef: ConfigMap ${spec.promptRef.name} has no key "${spec.promptRef.key}"`);
    }
  }
  return problems;
}

/** The schema bounds status.usedBy; beyond it the list is cut (sorted, so the cut is stable). */
export const MAX_USED_BY = 256;

/** The army fields usedBy reads; raw cached objects have them, so no army needs a full parse. */
export type ArmyUsage = {
  metadata?: { name?: string };
  spec?: { agents?: { name: string; version: string }[] };
  status?: { agents?: { name: string; stableVersion?: string }[] };
};

/** The versions an army names: desired by its agents, or still running as an agent's stable version. */
export function versionsNamedBy(army: ArmyUsage): string[] {
  const names = new Set((army.spec?.agents ?? []).map((a) => a.version));
  for (const s of army.status?.agents ?? []) if (s.stableVersion) names.add(s.stableVersion);
  return [...names];
}

/** What of an army usedBy depends on, as one comparable string (agent → desired and stable version). */
function usageOf(army: ArmyUsage): string {
  const stable = new Map((army.status?.agents ?? []).map((s) => [s.name, s.stableVersion ?? '']));
  return JSON.stringify((army.spec?.agents ?? []).map((a) => [a.name, a.version, stable.get(a.name) ?? '']));
}

/** True when an army update can change the usedBy of some version (not for a status message or phase). */
export function usageChanged(oldArmy: ArmyUsage, newArmy: ArmyUsage): boolean {
  return usageOf(oldArmy) !== usageOf(newArmy);
}

export function usedBy(
  name: string,
  armies: readonly ArmyUsage[],
): NonNullable<AgentVersionStatus['usedBy']> {
  // Called for every version on every change of an army's usage: one pass, no per-comparison strings.
  const users: { army: string; agent: string }[] = [];
  for (const army of armies) {
    const stable = army.status?.agents;
    for (const agent of army.spec?.agents ?? []) {
      const uses =
        agent.version === name ||
        (stable?.some((s) => s.name === agent.name && s.stableVersion === name) ?? false);
      if (uses) users.push({ army: army.metadata?.name ?? '', agent: agent.name });
    }
  }
  // By army, then agent (code points: names are DNS labels, so no locale is needed).
  users.sort((a, b) => compare(a.army, b.army) || compare(a.agent, b.agent));
  return users.length > MAX_USED_BY ? users.slice(0, MAX_USED_BY) : users;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function decideVersionStatus(obs: ObservedVersion, now: Date): AgentVersionStatus {
  const av = obs.version;
  const problems = missingReferences(obs);
  const ready =
    problems.length === 0
      ? {
          type: 'Ready',
          status: 'True' as const,
          reason: 'ReferencesFound',
          message: 'referenced Secret and ConfigMap exist',
        }
      : {
          type: 'Ready',
          status: 'False' as const,
          reason: 'ReferenceNotFound',
          message: problems.join('; '),
        };
  const generation = av.metadata.generation;
  const users = usedBy(av.metadata.name ?? '', obs.armies);
  const at = generation !== undefined ? { observedGeneration: generation } : {};
  let conditions = setCondition(av.status?.conditions, { ...ready, ...at }, now.getTime());
  if (av.metadata.deletionTimestamp) {
    const blocked = users.length > 0;
    conditions = setCondition(
      conditions,
      {
        type: 'Deleting',
        status: 'True',
        reason: blocked ? 'InUse' : 'NotInUse',
        message: blocked
          ? `deletion waits until no army uses this version (its pods mount its ConfigMap): ${users
              .slice(0, 10)
              .map((u) => `${u.army}/${u.agent}`)
              .join(', ')}`
          : 'no army uses this version; deleting',
        ...at,
      },
      now.getTime(),
    );
  }
  return { ...at, conditions, usedBy: users };
}

/** Keeps an AgentVersion while any army runs or asks for it (the pods mount its config ConfigMap). */
export const IN_USE_FINALIZER = 'agentarmy.dev/in-use';

/**
 * The finalizers the operator wants on the version: its in-use finalizer until the version is being
 * deleted and no army uses it any more; undefined when nothing needs writing.
 */
export function desiredFinalizers(
  meta: { deletionTimestamp?: unknown; finalizers?: string[] },
  users: readonly unknown[],
): string[] | undefined {
  const has = meta.finalizers?.includes(IN_USE_FINALIZER) ?? false;
  const want = !meta.deletionTimestamp || users.length > 0;
  if (has === want) return undefined;
  return want ? [IN_USE_FINALIZER] : [];
}

/**
 * The version's config ConfigMap (agent file and its hash), or undefined while the prompt it would hold
 * cannot be read: then the ConfigMap last written stays as it is, so running pods keep a good config.
 */
export function desiredConfigMap(obs: ObservedVersion): V1ConfigMap | undefined {
  const av = obs.version;
  const ref = av.spec.promptRef;
  if (ref && (obs.promptText === undefined || !obs.promptKeys?.includes(ref.key))) return undefined;
  const { file, hash } = renderAgentConfig(av, ref ? obs.promptText : av.spec.systemPrompt);
  return renderVersionConfigMap({ av, agentFile: file, hash });
}

// Names and labels of everything rendered for one agent of an army. Pure; shared by every builder so the
// Deployment selector, the Service selector, the PDB and the prune selector always agree.
export const MANAGER = 'agent-army';
export const LABEL = {
  army: 'agentarmy.dev/army',
  agent: 'agentarmy.dev/agent',
  version: 'agentarmy.dev/version',
  track: 'agentarmy.dev/track',
} as const;
export const ANNOTATION = {
  configHash: 'agentarmy.dev/config-hash',
  agentVersion: 'agentarmy.dev/agent-version',
  /** `hpa` on a Deployment whose spec.replicas the agent's HorizontalPodAutoscaler owns (autoscale.ts). */
  replicasOwner: 'agentarmy.dev/replicas-owner',
  /**
   * `shadow` on a canary pod while it receives only mirrored requests, `live` after (absent: live). Set on
   * the pods, not the template (which would roll them); the runtime reads it from a downward API file.
   */
  traffic: 'agentarmy.dev/traffic',
} as const;

/** stable: the running version; canary: the version under test; blue/green: the two colors. */
export type Track = 'stable' | 'canary' | 'blue' | 'green';

export interface AgentRef {
  army: string;
  agent: string;
}

/** Object name of an agent's children. Kubernetes names are ≤ 253 chars; Services ≤ 63 (DNS label). */
export function childName(ref: AgentRef, track?: Track): string {
  const base = `${ref.army}-${ref.agent}`;
  return track === undefined || track === 'stable' ? base : `${base}-${track}`;
}

/** Labels that select every pod of the agent, all tracks (Service in replicas mode, PDB). */
export function agentSelector(ref: AgentRef): Record<string, string> {
  return { [LABEL.army]: ref.army, [LABEL.agent]: ref.agent };
}

/** Labels that select the pods of one track (Deployment selector, which is immutable). */
export function trackSelector(ref: AgentRef, track: Track): Record<string, string> {
  return { ...agentSelector(ref), [LABEL.track]: track };
}

/**
 * A string as a valid label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric. A
 * semantic version's build metadata (`1.2.0+build.7`) becomes `1.2.0_build.7`; a plain one is unchanged.
 */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** Labels for the army's children, so the operator can list (and prune) them by army. */
export function armySelector(army: string): Record<string, string> {
  return { [LABEL.army]: army, 'app.kubernetes.io/managed-by': MANAGER };
}

/** The full recommended label set of a child of one agent. */
export function agentLabels(
  ref: AgentRef,
  opts: { version?: string; track?: Track } = {},
): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': ref.agent,
    'app.kubernetes.io/instance': childName(ref),
    'app.kubernetes.io/component': 'agent',
    'app.kubernetes.io/part-of': ref.army,
    'app.kubernetes.io/managed-by': MANAGER,
    ...agentSelector(ref),
  };
  if (opts.version !== undefined) {
    labels['app.kubernetes.io/version'] = labelValue(opts.version);
    labels[LABEL.version] = labelValue(opts.version);
  }
  if (opts.track !== undefined) labels[LABEL.track] = opts.track;
  return labels;
}

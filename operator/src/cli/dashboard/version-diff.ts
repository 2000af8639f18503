// What changed between the stable and the canary AgentVersion: model, prompt, tools and parameters side by
// side, and the system prompt as a line diff. Pure.
import type { AgentVersion } from '../../api/v1alpha1/index.js';

export type Section = 'Version' | 'Model' | 'Prompt' | 'Tools' | 'Parameters';

export interface DiffRow {
  section: Section;
  field: string;
  /** '' when the side does not have the field. */
  stable: string;
  canary: string;
  changed: boolean;
}

export type LineKind = 'same' | 'removed' | 'added' | 'blank';
export interface LinePair {
  left: { text: string; kind: LineKind };
  right: { text: string; kind: LineKind };
}

export interface VersionDiff {
  rows: DiffRow[];
  /** The inline system prompts line by line, aligned; undefined when neither version has one. */
  prompt: LinePair[] | undefined;
  changed: number;
}

type Spec = AgentVersion['spec'];
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

function toolText(t: NonNullable<Spec['tools']>[number]): string {
  return `${t.protocol} ${t.url} (timeout ${t.timeoutSeconds}s)${t.description ? ` — ${t.description}` : ''}`;
}

function envText(e: NonNullable<Spec['env']>[number]): string {
  const from = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
  if (from) return `from ${e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap'} ${from.name}[${from.key}]`;
  return e.value ?? '';
}

function resourcesText(r: Spec['resources']): string {
  if (!r) return '';
  const list = (m: Record<string, unknown> | undefined) =>
    Object.entries(m ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
  return [r.requests && `requests ${list(r.requests)}`, r.limits && `limits ${list(r.limits)}`]
    .filter(Boolean)
    .join('; ');
}

/** Rows of named items (tools, env): one row per name either side has, in the canary's order first. */
function byName<T extends { name: string }>(
  section: Section,
  prefix: string,
  stable: readonly T[] | undefined,
  canary: readonly T[] | undefined,
  text: (item: T) => string,
): DiffRow[] {
  const s = new Map((stable ?? []).map((t) => [t.name, text(t)]));
  const c = new Map((canary ?? []).map((t) => [t.name, text(t)]));
  const names = [...new Set([...c.keys(), ...s.keys()])];
  return names.map((n) => {
    const a = s.get(n) ?? '';
    const b = c.get(n) ?? '';
    return { section, field: `${prefix}${n}`, stable: a, canary: b, changed: a !== b };
  });
}

/** Side-by-side line diff (longest common subsequence); removed and added runs are paired up. */
export function lineDiff(stable: string, canary: string): LinePair[] {
  const a = stable.split('\n');
  const b = canary.split('\n');
  if (a.length * b.length > 4_000_000) {
    return pair(
      a.map((text) => ({ text, kind: 'removed' as const })),
      b.map((text) => ({ text, kind: 'added' as const })),
    );
  }
  // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..]
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: LinePair[] = [];
  let removed: { text: string; kind: LineKind }[] = [];
  let added: { text: string; kind: LineKind }[] = [];
  const flush = () => {
    out.push(...pair(removed, added));
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      out.push({ left: { text: a[i]!, kind: 'same' }, right: { text: b[j]!, kind: 'same' } });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      added.push({ text: b[j++]!, kind: 'added' });
    } else {
      removed.push({ text: a[i++]!, kind: 'removed' });
    }
  }
  flush();
  return out;
}

function pair(left: LinePair['left'][], right: LinePair['right'][]): LinePair[] {
  const blank = { text: '', kind: 'blank' as const };
  return Array.from({ length: Math.max(left.length, right.length) }, (_, k) => ({
    left: left[k] ?? blank,
    right: right[k] ?? blank,
  }));
}

export function versionDiff(stable: AgentVersion, canary: AgentVersion): VersionDiff {
  const s = stable.spec;
  const c = canary.spec;
  const row = (section: Section, field: string, a: unknown, b: unknown): DiffRow => ({
    section,
    field,
    stable: str(a),
    canary: str(b),
    changed: str(a) !== str(b),
  });
  const promptSource = (v: Spec) =>
    v.promptRef ? `ConfigMap ${v.promptRef.name}[${v.promptRef.key}]` : v.systemPrompt ? 'inline' : '';
  const rows: DiffRow[] = [
    row('Version', 'version', s.version, c.version),
    row('Version', 'image', s.image, c.image),
    row('Version', 'compatibleWith', s.compatibleWith, c.compatibleWith),
    row('Version', 'breakingChanges', s.breakingChanges?.join('\n'), c.breakingChanges?.join('\n')),
    row('Model', 'model.name', s.model.name, c.model.name),
    row('Model', 'model.baseURL', s.model.baseURL, c.model.baseURL),
    row('Model', 'model.temperature', s.model.temperature, c.model.temperature),
    row('Model', 'model.maxTokens', s.model.maxTokens, c.model.maxTokens),
    row('Model', 'model.timeoutSeconds', s.model.timeoutSeconds, c.model.timeoutSeconds),
    row(
      'Model',
      'model.apiKeySecretRef',
      `${s.model.apiKeySecretRef.name}[${s.model.apiKeySecretRef.key}]`,
      `${c.model.apiKeySecretRef.name}[${c.model.apiKeySecretRef.key}]`,
    ),
    row('Prompt', 'prompt source', promptSource(s), promptSource(c)),
    row('Prompt', 'systemPrompt', s.systemPrompt, c.systemPrompt),
    ...byName('Tools', 'tools.', s.tools, c.tools, toolText),
    ...byName('Parameters', 'env.', s.env, c.env, envText),
    row('Parameters', 'resources', resourcesText(s.resources), resourcesText(c.resources)),
  ];
  const prompt =
    s.systemPrompt !== undefined || c.systemPrompt !== undefined
      ? lineDiff(s.systemPrompt ?? '', c.systemPrompt ?? '')
      : undefined;
  return { rows, prompt, changed: rows.filter((r) => r.changed).length };
}

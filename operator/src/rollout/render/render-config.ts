// An AgentVersion's config ConfigMap: the parts of the version that are not scalars (prompt, tools,
// params), in the file format agent-runtime reads from AGENT_CONFIG_FILE. One per AgentVersion, owned and
// written by the AgentVersion controller and mounted by every Deployment of every army that runs that
// version (an upgrade switches pods to the new version's ConfigMap, so pods of the old version keep the old
// file). Its hash goes on the pod template and on the ConfigMap, so a change of the referenced prompt rolls
// the pods, and an army renders pods only for the content the ConfigMap really holds.
import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { AgentVersion } from '../../api/v1alpha1/index.js';
import type { KubeObject } from '../../kube/resource.js';
import { ANNOTATION, MANAGER } from '../labels.js';

export const CONFIG_FILE_KEY = 'agent.yaml';
export const CONFIG_MOUNT_PATH = '/etc/agent';

/** Rendered files and their hashes per parsed AgentVersion (parses are memoized per cached object). */
const rendered = new WeakMap<AgentVersion, { prompt: string | undefined; file: string; hash: string }>();

/**
 * The agent file agent-runtime loads (see docs/runtime.md) and its hash. `prompt` is resolved by observe.
 * Every reconcile of an army renders each of its agents; the YAML is made once per version and prompt.
 */
export function renderAgentConfig(
  av: AgentVersion,
  prompt: string | undefined,
): { file: string; hash: string } {
  const hit = rendered.get(av);
  if (hit && hit.prompt === prompt) return hit;
  const file = renderAgentFile(av, prompt);
  const entry = { prompt, file, hash: configHash(file) };
  rendered.set(av, entry);
  return entry;
}

/** The agent file agent-runtime loads (see docs/runtime.md). `prompt` is resolved by observe. */
export function renderAgentFile(av: AgentVersion, prompt: string | undefined): string {
  const { model, tools, maxSteps, judge } = av.spec;
  const file = {
    prompt,
    tools: (tools ?? []).map((t) => ({
      name: t.name,
      description: t.description,
      protocol: t.protocol,
      url: t.url,
      timeoutSeconds: t.timeoutSeconds,
      retries: t.retries,
      sideEffects: t.sideEffects,
    })),
    maxSteps,
    params: { temperature: model.temperature, maxTokens: model.maxTokens },
    judge,
  };
  // yaml drops undefined members, so absent optional fields stay absent; key order is fixed above.
  return stringify(file, { lineWidth: 0 });
}

export function configHash(agentFile: string): string {
  return createHash('sha256').update(agentFile).digest('hex').slice(0, 16);
}

const CONFIG_SUFFIX = '-agent-config';
const MAX_NAME = 253;

/**
 * The name of an AgentVersion's config ConfigMap: `<version name>-agent-config`; a version name too long
 * for that is cut and told apart by a hash of the whole name.
 */
export function versionConfigName(versionName: string): string {
  if (versionName.length + CONFIG_SUFFIX.length <= MAX_NAME) return `${versionName}${CONFIG_SUFFIX}`;
  const digest = createHash('sha256').update(versionName).digest('hex').slice(0, 16);
  const keep = MAX_NAME - CONFIG_SUFFIX.length - digest.length - 1;
  return `${versionName.slice(0, keep).replace(/[-.]+$/, '')}-${digest}${CONFIG_SUFFIX}`;
}

/** What a Deployment needs of a version's config: the ConfigMap to mount and the hash of its file. */
export interface VersionConfig {
  name: string;
  hash: string;
}

/**
 * The config of a version as the cached ConfigMap holds it, or undefined while that ConfigMap is missing,
 * not the version's own (another owner) or without its hash annotation.
 */
export function cachedVersionConfig(av: AgentVersion, cm: KubeObject | undefined): VersionConfig | undefined {
  const uid = av.metadata.uid;
  const owned = cm?.metadata?.ownerReferences?.some(
    (r) => r.kind === 'AgentVersion' && r.controller === true && (uid === undefined || r.uid === uid),
  );
  const hash = cm?.metadata?.annotations?.[ANNOTATION.configHash];
  if (!cm || !owned || !hash) return undefined;
  return { name: cm.metadata?.name ?? '', hash };
}

/** The ConfigMap of one AgentVersion (the reconciler adds the owner reference to the version). */
export function renderVersionConfigMap(input: {
  av: AgentVersion;
  agentFile: string;
  hash: string;
}): V1ConfigMap {
  const { av } = input;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: versionConfigName(av.metadata.name ?? ''),
      namespace: av.metadata.namespace ?? 'default',
      labels: {
        'app.kubernetes.io/name': av.spec.agent,
        'app.kubernetes.io/version': av.spec.version,
        'app.kubernetes.io/component': 'agent-config',
        'app.kubernetes.io/managed-by': MANAGER,
      },
      annotations: {
        [ANNOTATION.agentVersion]: av.metadata.name ?? '',
        [ANNOTATION.configHash]: input.hash,
      },
    },
    data: { [CONFIG_FILE_KEY]: input.agentFile },
  };
}

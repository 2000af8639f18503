// The agent's ConfigMap: the parts of an AgentVersion that are not scalars (prompt, tools, params), in the
// file format agent-runtime reads from AGENT_CONFIG_FILE. Its hash goes on the pod template, so a change of
// prompt, tools or params rolls the pods even though the ConfigMap name stays the same.
import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { AgentVersion } from '../../api/v1alpha1/index.js';
import { type AgentRef, agentLabels, childName, type Track } from './labels.js';

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
  const { model, tools } = av.spec;
  const file = {
    prompt,
    tools: (tools ?? []).map((t) => ({
      name: t.name,
      description: t.description,
      protocol: t.protocol,
      url: t.url,
      timeoutSeconds: t.timeoutSeconds,
    })),
    params: { temperature: model.temperature, maxTokens: model.maxTokens },
  };
  // yaml drops undefined members, so absent optional fields stay absent; key order is fixed above.
  return stringify(file, { lineWidth: 0 });
}

export function configHash(agentFile: string): string {
  return createHash('sha256').update(agentFile).digest('hex').slice(0, 16);
}

export function renderConfigMap(input: {
  namespace: string;
  ref: AgentRef;
  track: Track;
  av: AgentVersion;
  agentFile: string;
}): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: childName(input.ref, input.track),
      namespace: input.namespace,
      labels: agentLabels(input.ref, { version: input.av.spec.version, track: input.track }),
    },
    data: { [CONFIG_FILE_KEY]: input.agentFile },
  };
}

// `--group`: the members of a CanaryRelease's lockstep group (spec.lockstep), the release itself
// included: the releases of the same army and namespace with the same group, read from the apiserver.
import { type CanaryRelease, safeParseCanaryRelease } from '../api/v1alpha1/index.js';
import { canaryReleaseType } from '../controllers/resource-types.js';
import type { KubeClient } from '../kube/api-client.js';
import { resourcePath } from '../kube/resource.js';

/** The names of `release`'s group members among `all` (itself included), sorted; pure. */
export function groupMemberNames(release: CanaryRelease, all: readonly CanaryRelease[]): string[] {
  const group = release.spec.lockstep?.group;
  if (!group) return [release.metadata.name ?? ''];
  return all
    .filter((r) => r.spec.lockstep?.group === group && r.spec.targetRef.army === release.spec.targetRef.army)
    .map((r) => r.metadata.name ?? '')
    .sort();
}

/** Reads release `name` and its group's members; an error names spec.lockstep when it has none. */
export async function readGroup(client: KubeClient, namespace: string, name: string): Promise<string[]> {
  const raw = await client.request({ method: 'GET', path: resourcePath(canaryReleaseType, namespace, name) });
  const self = safeParseCanaryRelease(raw);
  if (!self.ok) throw new Error(self.error.message);
  if (!self.value.spec.lockstep)
    throw new Error(`--group: CanaryRelease ${namespace}/${name} has no spec.lockstep (it is in no group)`);
  const list = (await client.request({
    method: 'GET',
    path: resourcePath(canaryReleaseType, namespace),
  })) as {
    items?: unknown[];
  };
  const all = (list.items ?? []).flatMap((o) => {
    const r = safeParseCanaryRelease(o);
    return r.ok ? [r.value] : [];
  });
  return groupMemberNames(self.value, all);
}

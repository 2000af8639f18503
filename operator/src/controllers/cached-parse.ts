// zod parses of the custom resources read from the informer caches, memoized per cached object: an army
// reconcile reads every AgentVersion and CanaryRelease of its namespace, and without this each of them was
// parsed again on every reconcile of every army (a quarter of the operator's CPU during a mass creation).
// Callers must treat the parsed values as read-only, like the cached objects they come from.
import { safeParseAgentArmy, safeParseAgentVersion, safeParseCanaryRelease } from '../api/v1alpha1/index.js';
import { memoByObject } from '../kube/memo.js';
import type { KubeObject } from '../kube/resource.js';

export const parseCachedArmy = memoByObject((o: KubeObject) => safeParseAgentArmy(o));
export const parseCachedVersion = memoByObject((o: KubeObject) => safeParseAgentVersion(o));
export const parseCachedRelease = memoByObject((o: KubeObject) => safeParseCanaryRelease(o));

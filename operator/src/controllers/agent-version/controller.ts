// The AgentVersion controller: Ready when the referenced Secret key and prompt ConfigMap key exist, and
// usedBy from the armies of its namespace. Secrets are read with a GET (never cached, never logged: only
// their key names are used); a version that is not Ready is checked again periodically.
import { isApiError, type KubeClient } from '../../kube/api-client.js';
import type { ControllerSpec, ReconcileResult } from '../../kube/controller.js';
import { ExpiringCache } from '../../kube/expiring-cache.js';
import { deepEqual } from '../../kube/json-diff.js';
import type { Manager } from '../../kube/manager.js';
import { coreTypes, type KubeObject, type ResourceType, resourcePath } from '../../kube/resource.js';
import { StatusEchoes } from '../../kube/status-echoes.js';
import { parseCachedVersion } from '../cached-parse.js';
import { agentArmyType, agentVersionType } from '../resource-types.js';
import { type ArmyUsage, decideVersionStatus, usageChanged, versionsNamedBy } from './decide.js';

export const NOT_READY_RECHECK_MS = 15_000;
/**
 * usedBy follows army changes this much later: creating 333 armies at once would otherwise reconcile each
 * of their versions (a Secret GET and a status patch each) once per army instead of about once a second.
 */
export const USED_BY_DELAY_MS = 1_000;
/**
 * The key names read from a Secret or prompt ConfigMap serve further reconciles for this long: the armies
 * of a namespace all name the same few versions, and each of their usedBy updates would otherwise GET the
 * same Secret again (~500 GETs while 333 armies start). Shorter than NOT_READY_RECHECK_MS, so a version
 * waiting for its Secret still sees it on its next check.
 */
export const KEYS_TTL_MS = 5_000;

async function keysOf(
  client: Pick<KubeClient, 'request'>,
  type: ResourceType,
  namespace: string,
  name: string,
): Promise<string[] | undefined> {
  try {
    const obj = await client.request<{ data?: Record<string, string>; stringData?: Record<string, string> }>({
      method: 'GET',
      path: resourcePath(type, namespace, name),
    });
    return Object.keys({ ...obj.data, ...obj.stringData });
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

export function agentVersionController(mgr: Manager): ControllerSpec {
  const versions = mgr.informer(agentVersionType);
  const armies = mgr.informer(agentArmyType);
  const keys = new ExpiringCache<string[] | undefined>(KEYS_TTL_MS);
  const cachedKeysOf = (type: ResourceType, namespace: string, name: string) =>
    keys.get(`${type.kind}/${namespace}/${name}`, () => keysOf(mgr.client, type, namespace, name));
  const echoes = new StatusEchoes();
  return {
    name: 'agentversion',
    for: versions,
    forPredicate: echoes.predicate,
    watches: [
      {
        informer: armies,
        // An army change can change usedBy of the versions it names (desired or running); read from the
        // raw cached army, as usedBy itself is, so no army is parsed for it.
        map: (a: KubeObject) =>
          versionsNamedBy(a as ArmyUsage).map((name) => ({ namespace: a.metadata?.namespace ?? '', name })),
        predicate: (oldArmy, newArmy) => usageChanged(oldArmy as ArmyUsage, newArmy as ArmyUsage),
        delayMs: USED_BY_DELAY_MS,
      },
    ],
    concurrency: mgr.config.concurrency,
    reconciler: {
      async reconcile(req, ctx): Promise<ReconcileResult> {
        const raw = versions.store.get(req.namespace, req.name);
        if (!raw) {
          echoes.forget(req.namespace, req.name);
          return {};
        }
        const parsed = parseCachedVersion(raw);
        if (!parsed.ok) {
          ctx.log.warn({ problems: parsed.error.message }, 'invalid AgentVersion');
          await mgr.events.event(raw, 'Warning', 'InvalidSpec', parsed.error.message.slice(0, 1000));
          return {};
        }
        const av = parsed.value;
        const secretKeys = await cachedKeysOf(
          coreTypes.secret,
          req.namespace,
          av.spec.model.apiKeySecretRef.name,
        );
        const promptKeys = av.spec.promptRef
          ? await cachedKeysOf(coreTypes.configMap, req.namespace, av.spec.promptRef.name)
          : undefined;
        // Raw cached armies: usedBy reads two fields, which does not warrant a zod parse of every army.
        const armyList = armies.store.list({ namespace: req.namespace }) as ArmyUsage[];
        const observed = { version: av, secretKeys, promptKeys, armies: armyList };
        const now = new Date();
        const status = decideVersionStatus(observed, now);
        const before = av.status?.conditions?.find((c) => c.type === 'Ready');
        const ready = status.conditions?.find((c) => c.type === 'Ready');
        // The echo of this write needs no second look when deciding again on it gives the same status.
        const fixpoint = () =>
          deepEqual(decideVersionStatus({ ...observed, version: { ...av, status } }, now), status);
        const current = { ...raw, status: av.status };
        if (await echoes.patchStatus(mgr.client, agentVersionType, current, status, fixpoint)) {
          if (ready && ready.status !== before?.status && ready.status === 'False') {
            await mgr.events.event(raw, 'Warning', ready.reason, ready.message);
          }
        }
        return ready?.status === 'True' ? {} : { requeueAfterMs: NOT_READY_RECHECK_MS };
      },
    },
  };
}

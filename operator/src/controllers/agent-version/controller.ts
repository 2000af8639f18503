// The AgentVersion controller: Ready when the referenced Secret key and prompt ConfigMap key exist, usedBy
// from the armies of its namespace, and the version's config ConfigMap (agent file: prompt, tools, params)
// that the armies' Deployments mount. Secrets are read with a GET (never cached, never logged: only their
// key names are kept); a version that is not Ready is checked again periodically.
import { isApiError, type KubeClient } from '../../kube/api-client.js';
import type { ControllerSpec, ReconcileResult } from '../../kube/controller.js';
import { ExpiringCache } from '../../kube/expiring-cache.js';
import { deepEqual } from '../../kube/json-diff.js';
import type { Manager } from '../../kube/manager.js';
import { specOrMetadataChanged } from '../../kube/predicates.js';
import { coreTypes, type KubeObject, type ResourceType, resourcePath } from '../../kube/resource.js';
import { StatusEchoes } from '../../kube/status-echoes.js';
import { apply, applyIfChanged, controllerReference } from '../../kube/writes.js';
import { CHILD_EVENT_DELAY_MS, managedChildren } from '../agent-army/controller.js';
import { parseCachedVersion } from '../cached-parse.js';
import { agentArmyType, agentVersionType } from '../resource-types.js';
import {
  type ArmyUsage,
  decideVersionStatus,
  desiredConfigMap,
  desiredFinalizers,
  usageChanged,
  versionsNamedBy,
} from './decide.js';

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

/** What is kept of a referenced Secret or ConfigMap: its key names, and for a ConfigMap one key's text. */
interface Referenced {
  keys: string[];
  text?: string;
}

/** Reads a Secret's key names, or a ConfigMap's key names and the text of `textKey`; undefined when absent. */
async function readReferenced(
  client: Pick<KubeClient, 'request'>,
  type: ResourceType,
  namespace: string,
  name: string,
  textKey?: string,
): Promise<Referenced | undefined> {
  try {
    const obj = await client.request<{ data?: Record<string, string>; stringData?: Record<string, string> }>({
      method: 'GET',
      path: resourcePath(type, namespace, name),
    });
    const keys = Object.keys({ ...obj.data, ...obj.stringData });
    // Never a Secret's values: only the prompt ConfigMap's text is kept.
    const text = type.kind === 'ConfigMap' && textKey !== undefined ? obj.data?.[textKey] : undefined;
    return text === undefined ? { keys } : { keys, text };
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

export function agentVersionController(mgr: Manager): ControllerSpec {
  const versions = mgr.informer(agentVersionType);
  const armies = mgr.informer(agentArmyType);
  // The same informer as the army controller's (children the operator made), shared by the manager.
  const configMaps = mgr.informer(coreTypes.configMap, managedChildren);
  const referenced = new ExpiringCache<Referenced | undefined>(KEYS_TTL_MS);
  const cachedRead = (type: ResourceType, namespace: string, name: string, textKey?: string) =>
    referenced.get(`${type.kind}/${namespace}/${name}/${textKey ?? ''}`, () =>
      readReferenced(mgr.client, type, namespace, name, textKey),
    );
  const echoes = new StatusEchoes();
  return {
    name: 'agentversion',
    for: versions,
    forPredicate: echoes.predicate,
    // A config ConfigMap edited or deleted by hand is mended (a second later, like the army's children).
    owns: [{ informer: configMaps, predicate: specOrMetadataChanged, delayMs: CHILD_EVENT_DELAY_MS }],
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
        const secret = await cachedRead(coreTypes.secret, req.namespace, av.spec.model.apiKeySecretRef.name);
        const promptRef = av.spec.promptRef;
        const prompt = promptRef
          ? await cachedRead(coreTypes.configMap, req.namespace, promptRef.name, promptRef.key)
          : undefined;
        // Raw cached armies: usedBy reads two fields, which does not warrant a zod parse of every army.
        const armyList = armies.store.list({ namespace: req.namespace }) as ArmyUsage[];
        const observed = {
          version: av,
          secretKeys: secret?.keys,
          promptKeys: prompt?.keys,
          promptText: prompt?.text,
          armies: armyList,
        };
        const config = desiredConfigMap(observed);
        if (config) {
          const name = config.metadata?.name ?? '';
          const desired = {
            ...config,
            metadata: { ...config.metadata, ownerReferences: [controllerReference(raw)] },
          } as KubeObject;
          if (
            await applyIfChanged(
              mgr.client,
              coreTypes.configMap,
              desired,
              configMaps.store.get(req.namespace, name),
            )
          ) {
            ctx.log.info({ configMap: name }, 'applied config ConfigMap');
          }
        }
        const now = new Date();
        const status = decideVersionStatus(observed, now);
        const finalizers = desiredFinalizers(raw.metadata ?? {}, status.usedBy ?? []);
        if (finalizers) {
          // Server-side apply of metadata.finalizers alone, under the operator's field manager: the spec and
          // every other finalizer stay as they are, and GitOps tools see no drift in what they manage.
          await apply(mgr.client, agentVersionType, {
            apiVersion: raw.apiVersion,
            kind: raw.kind,
            metadata: { name: req.name, namespace: req.namespace, finalizers },
          } as KubeObject);
          ctx.log.info(
            { finalizers },
            finalizers.length ? 'protecting AgentVersion in use' : 'releasing AgentVersion',
          );
        }
        const before = av.status?.conditions?.find((c) => c.type === 'Ready');
        const ready = status.conditions?.find((c) => c.type === 'Ready');
        // The echo of this write needs no second look when deciding again on it gives the same status.
        const fixpoint = () =>
          deepEqual(decideVersionStatus({ ...observed, version: { ...av, status } }, now), status);
        const current = { ...raw, status: av.status };
        const deletingBefore = av.status?.conditions?.find((c) => c.type === 'Deleting');
        const deleting = status.conditions?.find((c) => c.type === 'Deleting');
        if (await echoes.patchStatus(mgr.client, agentVersionType, current, status, fixpoint)) {
          if (ready && ready.status !== before?.status && ready.status === 'False') {
            await mgr.events.event(raw, 'Warning', ready.reason, ready.message);
          }
          if (deleting?.reason === 'InUse' && deletingBefore?.reason !== 'InUse') {
            await mgr.events.event(raw, 'Warning', 'DeletionBlocked', deleting.message);
          }
        }
        return ready?.status === 'True' ? {} : { requeueAfterMs: NOT_READY_RECHECK_MS };
      },
    },
  };
}

// The AgentArmy reconcile: observe (caches only) → decide (pure) → apply children that drifted → prune
// children no longer desired → patch status once if it changed (registering its echo when nothing would
// follow from it) → record events → requeue-after.

import type { KubernetesObject } from '@kubernetes/client-node';
import { TickScheduler } from '../../analysis/tick-scheduler.js';
import { type Condition, ConditionType } from '../../api/v1alpha1/index.js';
import { ApiError } from '../../kube/api-client.js';
import { setCondition } from '../../kube/conditions.js';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../kube/controller.js';
import type { EventRecorder } from '../../kube/events.js';
import { deepEqual } from '../../kube/json-diff.js';
import { coreTypes, type KubeObject, type ResourceType } from '../../kube/resource.js';
import type { StatusEchoes } from '../../kube/status-echoes.js';
import {
  apply,
  applyIfChanged,
  controllerReference,
  patchStatus,
  prune,
  type WriteClient,
} from '../../kube/writes.js';
import { HANDOVER_MANAGER, replicaHandover } from '../../rollout/autoscale.js';
import { LABEL } from '../../rollout/labels.js';
import { agentArmyType } from '../resource-types.js';
import { APPLY_REFUSED_RECHECK_MS, type ApplyRefusal, withApplyRefusals } from './apply-refusals.js';
import { type ArmyPlan, decide } from './decide.js';
import { measureAgents } from './measure-agents.js';
import { type ArmyInformers, observeArmy } from './observe.js';
import type { ObservedArmy, ObservedChildren } from './observed.js';

type ChildKind = keyof ObservedChildren;
// ConfigMaps are no longer rendered per army (each AgentVersion has its own, written by its controller);
// the kind stays here so that per-agent ConfigMaps an earlier operator version made are pruned.
const CHILD_TYPES: Record<string, { type: ResourceType; key: ChildKind }> = {
  ConfigMap: { type: coreTypes.configMap, key: 'configMaps' },
  Deployment: { type: coreTypes.deployment, key: 'deployments' },
  Service: { type: coreTypes.service, key: 'services' },
  HorizontalPodAutoscaler: { type: coreTypes.hpa, key: 'hpas' },
  PodDisruptionBudget: { type: coreTypes.pdb, key: 'pdbs' },
};

export interface ArmyReconcilerDeps {
  informers: ArmyInformers;
  client: WriteClient;
  events: EventRecorder;
  /** Where status writes that need no second look are registered (the controller's primary predicate). */
  echoes?: StatusEchoes;
  now?: () => Date;
  /** Runs pre-promotion analysis ticks off the reconcile worker (tests inject their own). */
  ticks?: TickScheduler;
}

/** True when deciding again on the status `plan` writes gives the same plan, with nothing new to do. */
export function isFixpoint(observed: ObservedArmy, plan: ArmyPlan, now: Date): boolean {
  const again = decide({ ...observed, army: { ...observed.army, status: plan.status } }, now);
  return (
    again.events.length === 0 &&
    again.measurements.length === 0 &&
    deepEqual(again.status, plan.status) &&
    deepEqual(again.desired, plan.desired) &&
    deepEqual(again.keepAgents, plan.keepAgents)
  );
}

export class AgentArmyReconciler implements Reconciler {
  private readonly ticks: TickScheduler;

  constructor(private readonly deps: ArmyReconcilerDeps) {
    this.ticks = deps.ticks ?? new TickScheduler();
  }

  async reconcile(req: { namespace: string; name: string }, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { client, events, informers } = this.deps;
    const now = this.deps.now?.() ?? new Date();
    const obs = observeArmy(informers, req.namespace, req.name);
    if (obs.kind === 'gone') {
      this.deps.echoes?.forget(req.namespace, req.name);
      return {}; // garbage collection removes the children
    }
    if (obs.kind === 'invalid') {
      // The apiserver validated the object, so this is a schema the operator is stricter about.
      const raw = obs.raw as KubeObject & { status?: { conditions?: Condition[]; phase?: string } };
      const conditions = setCondition(
        raw.status?.conditions,
        {
          type: ConditionType.Ready,
          status: 'False',
          reason: 'InvalidSpec',
          message: obs.problems.slice(0, 4000),
        },
        now.getTime(),
      );
      if (await patchStatus(client, agentArmyType, raw, { ...raw.status, phase: 'Degraded', conditions })) {
        await events.event(raw, 'Warning', 'InvalidSpec', obs.problems.slice(0, 1000));
      }
      ctx.log.warn({ problems: obs.problems }, 'invalid AgentArmy');
      return {};
    }

    const { raw } = obs;
    let observed = obs.observed;
    let plan = decide(observed, now);
    if (plan.measurements.length > 0) {
      const analyses = await measureAgents(this.ticks, client, observed, plan.measurements, ctx, now);
      observed = { ...observed, analyses };
      plan = decide(observed, now);
    }
    if (ctx.signal.aborted) return {};
    const refusals = await this.applyChildren(plan, observed.children, raw, ctx);
    if (refusals.length > 0) {
      const refused = withApplyRefusals(plan.status, observed.army.status, refusals, now);
      plan = { ...plan, status: refused.status, events: [...plan.events, ...refused.events] };
      ctx.log.warn({ refusals }, 'the apiserver refused children');
    }
    await this.pruneChildren(plan, observed.children);
    const changed = await this.patchStatus(observed, plan, raw, now);
    for (const e of plan.events) await events.event(raw, e.type, e.reason, e.message);
    if (changed) ctx.log.info({ phase: plan.status.phase, ready: plan.status.ready }, 'status updated');
    if (refusals.length > 0) return { requeueAfterMs: APPLY_REFUSED_RECHECK_MS };
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  }

  /**
   * Patches the army's status once, if it changed. When deciding again on the new status would change
   * nothing (no other status, child, Event or measurement), the write's echo need not wake the army: it is
   * registered with `echoes` first. A decision that moves on with its own output (a multi-step transition)
   * is not registered, and its echo reconciles the army as before.
   */
  private patchStatus(observed: ObservedArmy, plan: ArmyPlan, raw: KubeObject, now: Date) {
    const { client, echoes } = this.deps;
    const current = { ...raw, status: observed.army.status };
    if (!echoes) return patchStatus(client, agentArmyType, current, plan.status);
    return echoes.patchStatus(client, agentArmyType, current, plan.status, () =>
      isFixpoint(observed, plan, now),
    );
  }

  /**
   * Server-side applies the desired children that differ from the cache, all at once: a new agent costs
   * one apply round trip, not three. Returns the children the apiserver refused (a 4xx other than a
   * conflict), which the status reports; any other failure throws (retried with backoff).
   */
  private async applyChildren(
    plan: ArmyPlan,
    children: ObservedChildren,
    owner: KubeObject,
    ctx: ReconcileContext,
  ): Promise<ApplyRefusal[]> {
    const ownerRef = controllerReference(owner);
    const applied: string[] = [];
    const refusals: ApplyRefusal[] = [];
    const applyOne = async (obj: KubernetesObject) => {
      const child = CHILD_TYPES[obj.kind ?? ''];
      if (!child) throw new Error(`no resource type for child kind ${obj.kind}`);
      const desired = { ...obj, metadata: { ...obj.metadata, ownerReferences: [ownerRef] } } as KubeObject;
      const live = children[child.key].get(obj.metadata?.name ?? '') as KubeObject | undefined;
      try {
        // A count passing to the HPA is first held by another field manager, or the apply would drop it.
        const handover = replicaHandover(desired, live);
        if (handover) await apply(this.deps.client, child.type, handover as KubeObject, HANDOVER_MANAGER);
        if (!(await applyIfChanged(this.deps.client, child.type, desired, live))) return;
      } catch (err) {
        if (
          !(err instanceof ApiError) ||
          err.statusCode < 400 ||
          err.statusCode >= 500 ||
          err.statusCode === 409
        )
          throw err;
        refusals.push({
          agent: obj.metadata?.labels?.[LABEL.agent] ?? '',
          child: `${obj.kind} ${obj.metadata?.name}`,
          message: (err.status?.message ?? err.message).slice(0, 700),
        });
        return;
      }
      applied.push(`${obj.kind}/${obj.metadata?.name}${live === undefined ? ' (created)' : ''}`);
      // An Event when a Deployment moves to another version; creation and scaling are not news.
      const from = live?.metadata?.labels?.[LABEL.version];
      const to = obj.metadata?.labels?.[LABEL.version];
      if (obj.kind === 'Deployment' && from !== undefined && from !== to) {
        await this.deps.events.event(
          owner,
          'Normal',
          'DeploymentApplied',
          `Deployment ${obj.metadata?.name} moved from version ${from} to ${to}`,
        );
      }
    };
    await Promise.all(plan.desired.map(applyOne));
    // One line per reconcile, not per child: creating an army of three agents writes twelve children.
    if (applied.length > 0) ctx.log.info({ children: applied }, 'applied children');
    return refusals;
  }

  /** Deletes owned children that are not desired, except those of agents that must be left alone. */
  private async pruneChildren(plan: ArmyPlan, children: ObservedChildren) {
    const keepAgents = new Set(plan.keepAgents);
    for (const { type, key } of Object.values(CHILD_TYPES)) {
      const existing = [...children[key].values()] as KubeObject[];
      const keep = new Set(
        plan.desired.filter((o) => CHILD_TYPES[o.kind ?? '']?.key === key).map((o) => o.metadata?.name ?? ''),
      );
      for (const o of existing) {
        if (keepAgents.has(o.metadata?.labels?.[LABEL.agent] ?? '')) keep.add(o.metadata?.name ?? '');
      }
      await prune(this.deps.client, type, existing, keep);
    }
  }
}

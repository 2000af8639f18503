// The CanaryRelease reconcile: observe → decide (pure) → when the plan asks, take one analysis measurement
// and decide again with it → weight the HTTPRoute (gatewayAPI mode) → patch status once → events. Pods are
// the AgentArmy controller's: it reads this release's status and renders the tracks from it.
import type { Counter, Gauge } from 'prom-client';
import type { MeasurementRequest } from '../../analysis/index.js';
import { TickScheduler, tickKey } from '../../analysis/tick-scheduler.js';
import { type CanaryRelease, type CanaryReleaseStatus, ConditionType } from '../../api/v1alpha1/index.js';
import { isApiError } from '../../kube/api-client.js';
import { setCondition } from '../../kube/conditions.js';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../kube/controller.js';
import type { EventRecorder } from '../../kube/events.js';
import { isSubset } from '../../kube/json-diff.js';
import { type KubeObject, resourcePath } from '../../kube/resource.js';
import { patchStatus, type WriteClient } from '../../kube/writes.js';
import { decideCanary } from '../../rollout/canary/decide.js';
import { isActive } from '../../rollout/canary/transitions.js';
import type { CanaryObserved, CanaryPlan } from '../../rollout/canary/types.js';
import { childName } from '../../rollout/labels.js';
import { canaryRouter } from '../../rollout/traffic/canary-router.js';
import {
  HTTP_ROUTE_FIELD_MANAGER,
  hasStaleFilters,
  type RouteHandback,
} from '../../rollout/traffic/http-route.js';
import { agentPods } from '../agent-pods.js';
import { canaryReleaseType } from '../resource-types.js';
import { createEvaluationJob, observeEvaluation } from './evaluation.js';
import { observeRelease, type ReleaseInformers, type ReleaseObservation } from './observe.js';
import { refuseMirror } from './refusals.js';
import {
  handBackRoute,
  hasRouteFinalizer,
  httpRouteType,
  setRouteFinalizer,
  weightsRoute,
} from './route-handback.js';
import { shadowPodPlan, tellPods } from './shadow-pods.js';

export interface ReleaseMetrics {
  weight: Gauge<'namespace' | 'release'>;
  rollbacks: Counter<'namespace' | 'release'>;
}

export interface ReleaseReconcilerDeps {
  informers: ReleaseInformers;
  client: WriteClient;
  events: EventRecorder;
  metrics: ReleaseMetrics;
  now?: () => Date;
  /** Runs analysis ticks off the reconcile worker (tests inject one with their own budget). */
  ticks?: TickScheduler;
}

export class CanaryReleaseReconciler implements Reconciler {
  private readonly ticks: TickScheduler;

  constructor(private readonly deps: ReleaseReconcilerDeps) {
    this.ticks = deps.ticks ?? new TickScheduler();
  }

  async reconcile(req: { namespace: string; name: string }, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { client, events, informers } = this.deps;
    const now = this.deps.now?.() ?? new Date();
    const o = observeRelease(informers, req.namespace, req.name);
    if (o.kind === 'gone') {
      this.deps.metrics.weight.remove({ namespace: req.namespace, release: req.name });
      return {};
    }
    if (o.kind === 'deleting') {
      await this.letGo(o, ctx);
      return {};
    }
    if (o.kind === 'noTarget' && o.handback) await this.handBack(o.raw, o.release, o.handback, ctx);
    if (o.kind === 'invalid' || o.kind === 'noTarget') {
      const message = o.kind === 'invalid' ? o.problems : o.message;
      await this.reportProblem(o.raw, o.kind === 'invalid' ? 'InvalidSpec' : 'TargetNotFound', message, now);
      return { requeueAfterMs: 30_000 };
    }

    const foreign = o.obs.release.spec.trafficRouting?.gatewayAPI?.namespace;
    if (foreign && foreign !== req.namespace) {
      // Tenancy: a release weights only routes of its own namespace; another team's route is not touched.
      const message = `spec.trafficRouting.gatewayAPI.namespace: the HTTPRoute is in namespace ${foreign}; a CanaryRelease may weight only HTTPRoutes in its own namespace (${req.namespace})`;
      await this.reportProblem(o.raw, 'CrossNamespaceRouteRefused', message, now);
      return { requeueAfterMs: 30_000 };
    }
    if (o.groupProblem) {
      // A group that cannot move together does not move at all: every member holds where it is.
      await this.reportProblem(o.raw, 'LockstepInvalid', o.groupProblem, now);
      return { requeueAfterMs: 30_000 };
    }
    const mirrorRefused = refuseMirror(o.obs.release);
    if (mirrorRefused) {
      await this.reportProblem(o.raw, 'MirrorNeedsGatewayAPI', mirrorRefused, now);
      return { requeueAfterMs: 30_000 };
    }
    const { obs, plan: decided } = await this.decideWithEvaluation(o, now);
    let plan = decided;
    if (plan.measurement) {
      const measured = await this.measureAndDecide(obs, plan.measurement, o.semver, ctx, now);
      // The tick still runs in the background (a slow metrics address): it wakes this release when done.
      if (!measured) return { requeueAfterMs: 60_000 };
      plan = measured;
    }
    if (ctx.signal.aborted) return {};
    const podsAgree = await this.tellCanaryPods(o.obs, plan, ctx);
    const routeProblem = await this.weightRoute(o.raw, o.obs, plan, ctx, podsAgree);
    if (routeProblem) {
      // Without the route the weights cannot move: report it and hold the release where it is.
      await this.reportProblem(o.raw, 'HTTPRouteNotFound', routeProblem, now);
      return { requeueAfterMs: 30_000 };
    }
    await patchStatus(client, canaryReleaseType, { ...o.raw, status: o.obs.release.status }, plan.status);
    // After the status that names its run: a Job that failed to be created is asked for again next pass.
    if (plan.evaluationJob && (await createEvaluationJob(client, o, plan.status, plan.evaluationJob)))
      ctx.log.info(
        { job: plan.evaluationJob.name, step: plan.evaluationJob.stepIndex },
        'evaluation Job created',
      );
    for (const e of plan.events) {
      await events.event(o.raw, e.type, e.reason, e.message);
      if (e.reason === 'RolledBack')
        this.deps.metrics.rollbacks.inc({ namespace: req.namespace, release: req.name });
    }
    this.deps.metrics.weight.set({ namespace: req.namespace, release: req.name }, plan.traffic.weight);
    if (plan.events.length > 0)
      ctx.log.info(
        {
          phase: plan.status.phase,
          weight: plan.status.canaryWeight,
          events: plan.events.map((e) => e.reason),
        },
        'release progressed',
      );
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  }

  /**
   * decide, with the evaluation Job of the current evaluation step observed. A run started in this very
   * pass is observed in a second look (its Job name comes from the plan's status), then decided again:
   * a missing dataset or version is an Error before any Job is created.
   */
  private async decideWithEvaluation(o: Extract<ReleaseObservation, { kind: 'ok' }>, now: Date) {
    const { client, informers } = this.deps;
    const seen = await observeEvaluation(client, informers.jobs, o, o.obs.release.status);
    let obs: CanaryObserved = seen ? { ...o.obs, evaluation: seen } : o.obs;
    let plan = decideCanary(obs, now);
    const asked = plan.evaluationJob;
    if (asked && obs.evaluation?.jobName !== asked.name) {
      const fresh = await observeEvaluation(client, informers.jobs, o, plan.status);
      if (fresh) {
        obs = { ...o.obs, evaluation: fresh };
        plan = decideCanary(obs, now);
      }
    }
    return { obs, plan };
  }

  /** A deleted release: its route given back (stable, or no rules when the army is gone), then let go. */
  private async letGo(o: Extract<ReleaseObservation, { kind: 'deleting' }>, ctx: ReconcileContext) {
    const { namespace = '', name = '' } = o.raw.metadata ?? {};
    this.deps.metrics.weight.remove({ namespace, release: name });
    if (o.release) await this.handBack(o.raw, o.release, o.to, ctx);
    if (ctx.signal.aborted) return;
    await setRouteFinalizer(this.deps.client, o.raw, false);
    ctx.log.info('released the route finalizer');
  }

  private async handBack(
    raw: KubeObject,
    release: CanaryRelease,
    to: RouteHandback,
    ctx: ReconcileContext,
  ): Promise<void> {
    if ((await handBackRoute(this.deps.client, release, to)) === 'unchanged') return;
    const route = release.spec.trafficRouting.gatewayAPI?.httpRoute;
    const message =
      to === 'stable'
        ? `HTTPRoute ${route}: every request to the stable Service ${childName(release.spec.targetRef)}`
        : `HTTPRoute ${route}: the operator's rules removed (the target army or agent is gone)`;
    ctx.log.info({ route, to }, 'HTTPRoute given back');
    await this.deps.events.event(raw, 'Normal', 'RouteRestored', message);
  }

  /** One analysis tick through the measurement pipeline, then decide again with the re-assessed run. */
  private async measureAndDecide(
    obs: CanaryObserved,
    req: MeasurementRequest,
    semver: (avName: string | undefined) => string | undefined,
    ctx: ReconcileContext,
    now: Date,
  ): Promise<CanaryPlan | undefined> {
    const namespace = obs.release.metadata.namespace ?? '';
    const key = tickKey(`CanaryRelease/${namespace}/${obs.release.metadata.name}`, req);
    const measureCtx = {
      client: this.deps.client,
      namespace,
      agent: obs.release.spec.targetRef.agent,
      versionLabel: (name: string | undefined) => semver(name) ?? name ?? '',
      signal: ctx.signal,
      now,
    };
    const tick = await this.ticks.tick(key, req, measureCtx, ctx.wake);
    if (!tick) return undefined;
    ctx.log.info({ step: req.stepIndex, results: tick.results, run: tick.run.phase }, 'analysis measurement');
    return decideCanary({ ...obs, analysis: tick.run }, now);
  }

  /** Ready=False with `reason`, the message in status, and a Warning Event when the status changed. */
  private async reportProblem(raw: KubeObject, reason: string, message: string, now: Date): Promise<void> {
    const current = raw as KubeObject & { status?: CanaryReleaseStatus };
    const status = {
      ...current.status,
      message: message.slice(0, 1024),
      conditions: setCondition(
        current.status?.conditions,
        { type: ConditionType.Ready, status: 'False', reason, message: message.slice(0, 4000) },
        now.getTime(),
      ),
    } as CanaryReleaseStatus;
    if (await patchStatus(this.deps.client, canaryReleaseType, current, status))
      await this.deps.events.event(raw, 'Warning', reason, message.slice(0, 1000));
  }

  /**
   * While a release runs, its canary pods are told whether they get only mirrored requests (shadow-pods.ts).
   * Returns whether every canary pod in the cache already has the mode the plan needs.
   */
  private async tellCanaryPods(obs: CanaryObserved, plan: CanaryPlan, ctx: ReconcileContext) {
    if (!isActive(plan.status)) return true;
    const { army, agent } = obs.release.spec.targetRef;
    const namespace = obs.release.metadata.namespace ?? '';
    const pods = agentPods(this.deps.informers.pods.store, namespace, army, agent, 'canary');
    const want = plan.traffic.mirrorPercent !== undefined ? 'shadow' : 'live';
    const { patch, agreed } = shadowPodPlan(pods, want);
    if (patch.length > 0) {
      const patched = await tellPods(this.deps.client, patch, want);
      ctx.log.info({ traffic: want, pods: patched }, 'canary pods told their traffic mode');
    }
    return agreed;
  }

  /**
   * gatewayAPI mode: write the weights (and cohort rules, or the mirror filter) into the user's HTTPRoute
   * when they differ. Until the canary pods carry the traffic mode the plan needs (`podsAgree`), the route
   * sends them nothing: no copy reaches a pod that would call side-effect tools, no user a shadow pod.
   * Returns a problem to report when the route (or the HTTPRoute kind) does not exist.
   */
  private async weightRoute(
    raw: KubeObject,
    obs: CanaryObserved,
    plan: CanaryPlan,
    ctx: ReconcileContext,
    podsAgree: boolean,
  ): Promise<string | undefined> {
    const { weight, cohortsToCanary, mirrorPercent } = plan.traffic;
    const router = canaryRouter({
      namespace: obs.release.metadata.namespace ?? '',
      ref: obs.release.spec.targetRef,
      routing: obs.release.spec.trafficRouting,
    });
    const routes = !podsAgree
      ? router.reset()
      : mirrorPercent !== undefined
        ? router.setMirror(mirrorPercent)
        : cohortsToCanary
          ? router.setCohorts(weight)
          : router.setWeights(weight);
    const desired = routes.httpRoute;
    if (!desired) return undefined; // a router that writes no route (replica ratio)
    const path = resourcePath(httpRouteType, desired.metadata.namespace, desired.metadata.name);
    let live: unknown;
    try {
      live = await this.deps.client.request({ method: 'GET', path });
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
      return `spec.trafficRouting.gatewayAPI.httpRoute: HTTPRoute ${desired.metadata.namespace}/${desired.metadata.name} not found (is the Gateway API installed?)`;
    }
    // The finalizer is on before the route is first weighted (and on a release weighted by an older
    // operator), so a deletion always gives the route back; a release whose route is missing gets none.
    if (weightsRoute(obs.release) && !hasRouteFinalizer(raw))
      await setRouteFinalizer(this.deps.client, raw, true);
    const liveSpec = (live as { spec?: unknown }).spec;
    if (isSubset(desired.spec, liveSpec) && !hasStaleFilters(live, desired.spec.rules)) return undefined;
    await this.deps.client.request({
      method: 'PATCH',
      path,
      query: { fieldManager: HTTP_ROUTE_FIELD_MANAGER, force: true },
      body: desired,
      contentType: 'application/apply-patch+yaml',
      write: { verb: 'apply', kind: 'HTTPRoute' },
    });
    ctx.log.info(
      { route: desired.metadata.name, weight: plan.traffic.weight, mirror: mirrorPercent, podsAgree },
      'HTTPRoute weighted',
    );
    return undefined;
  }
}

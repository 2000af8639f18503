// A tiny simulated cluster and analysis engine for replaying whole releases through decideCanary.

import type { MeasurementRequest } from '../../analysis/pipeline.js';
import type { AnalysisRunStatus, CanaryRelease, Measurement } from '../../api/v1alpha1/index.js';
import { deployment, iso } from '../fixtures.test-util.js';
import { decideCanary } from './decide.js';
import type { CanaryObserved, CanaryPlan, CanaryTraffic } from './types.js';

interface Track {
  version: string;
  replicas: number;
  ready: number;
  /** Pods of a new spec become Ready at this simulated second. */
  readyAt: number;
}

/** Deployments whose pods become Ready `podStartSeconds` after a change. */
export class SimCluster {
  stable: Track = { version: 'v1', replicas: 10, ready: 10, readyAt: 0 };
  canary: Track | undefined;
  constructor(readonly podStartSeconds = 2) {}

  private update(t: Track | undefined, version: string, replicas: number, now: number): Track {
    if (t && t.version === version && t.replicas === replicas) return t;
    const keep = t && t.version === version ? Math.min(t.ready, replicas) : 0;
    return { version, replicas, ready: keep, readyAt: now + this.podStartSeconds };
  }

  apply(traffic: CanaryTraffic, now: number): void {
    this.stable = this.update(this.stable, traffic.stableVersion, traffic.replicas.stable, now);
    if (traffic.canaryVersion)
      this.canary = this.update(this.canary, traffic.canaryVersion, traffic.replicas.canary, now);
  }

  tick(now: number): void {
    for (const t of [this.stable, this.canary]) if (t && now >= t.readyAt) t.ready = t.replicas;
  }

  observe(rel: CanaryRelease, desiredVersion: string): CanaryObserved {
    const dep = (t: Track | undefined) => (t ? deployment(t.version, t.replicas, t.ready) : undefined);
    return {
      release: rel,
      desiredVersion,
      stableVersion: this.stable.version,
      totalReplicas: 10,
      canary: { deployment: dep(this.canary), crashLooping: false },
      stable: { deployment: dep(this.stable) },
    };
  }
}

/** A stand-in for the analysis engine: one error-rate measurement, judged against maxErrorRate. */
export function measure(req: MeasurementRequest, errorRate: number, now: number): AnalysisRunStatus {
  const max = req.spec.maxErrorRate ?? 0.05;
  const result: Measurement['result'] = errorRate <= max ? 'Pass' : 'Fail';
  const m: Measurement = {
    metric: 'error-rate',
    result,
    value: errorRate,
    threshold: `<= ${max}`,
    time: iso(now),
  };
  const run = { ...req.run, measurements: [...req.run.measurements, m] };
  run.successful += result === 'Pass' ? 1 : 0;
  run.failed += result === 'Fail' ? 1 : 0;
  if (run.failed > req.spec.failureLimit) return { ...run, phase: 'Failed', finishedAt: iso(now) };
  if (run.measurements.length >= req.spec.count) return { ...run, phase: 'Successful', finishedAt: iso(now) };
  return run;
}

export interface ReplayStep {
  t: number;
  plan: CanaryPlan;
  /** decideCanary run again on the plan's own status with the same observation (a restart). */
  again: CanaryPlan;
}

/**
 * Reconciles until the release settles: decide, measure when asked (then decide again with the run),
 * apply the traffic, advance the clock by the requeue (at most `pollSeconds`, as informer events would).
 */
export function replay(
  rel: CanaryRelease,
  opts: {
    errorRate: number;
    desiredVersion?: string;
    cluster?: SimCluster;
    pollSeconds?: number;
    maxSteps?: number;
  },
): ReplayStep[] {
  const cluster = opts.cluster ?? new SimCluster();
  const steps: ReplayStep[] = [];
  let status = rel.status;
  let t = 0;
  const at = (s: number) => new Date(Date.parse(iso(0)) + s * 1000);
  for (let n = 0; n < (opts.maxSteps ?? 200); n++) {
    cluster.tick(t);
    const obs = cluster.observe({ ...rel, ...(status ? { status } : {}) }, opts.desiredVersion ?? 'v2');
    let plan = decideCanary(obs, at(t));
    let final = obs;
    if (plan.measurement) {
      final = { ...obs, analysis: measure(plan.measurement, opts.errorRate, t) };
      plan = decideCanary(final, at(t));
    }
    const again = decideCanary({ ...final, release: { ...rel, status: plan.status } }, at(t));
    steps.push({ t, plan, again });
    cluster.apply(plan.traffic, t);
    status = plan.status;
    if (plan.requeueAfterMs === undefined) break;
    t += Math.min(plan.requeueAfterMs / 1000, opts.pollSeconds ?? 5);
  }
  return steps;
}

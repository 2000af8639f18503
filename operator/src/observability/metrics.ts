// Prometheus metrics of the controller runtime. Every component takes a `RuntimeMetrics` instead of using
// prom-client's global registry, so two managers (e.g. two replicas in one test process) never collide.
// Names and labels follow client-go / controller-runtime so existing dashboards work unchanged.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Exponential buckets from 1 ms to ~16 s, like controller-runtime's reconcile/work histograms. */
const durationBuckets = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface RuntimeMetrics {
  readonly registry: Registry;
  readonly workqueueDepth: Gauge<'name'>;
  readonly workqueueAdds: Counter<'name'>;
  readonly workqueueQueueDuration: Histogram<'name'>;
  readonly workqueueWorkDuration: Histogram<'name'>;
  readonly workqueueRetries: Counter<'name'>;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly leaderStatus: Gauge<'name'>;
  /** Every write the operator makes to the API server (apply, patch, create, update, delete). */
  readonly apiWrites: Counter<'verb' | 'kind'>;
}

export function createRuntimeMetrics(registry: Registry = new Registry()): RuntimeMetrics {
  const registers = [registry];
  return {
    registry,
    workqueueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
    }),
    workqueueAdds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name'],
      registers,
    }),
    workqueueQueueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name'],
      buckets: durationBuckets,
      registers,
    }),
    workqueueWorkDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: ['name'],
      buckets: durationBuckets,
      registers,
    }),
    workqueueRetries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'],
      registers,
    }),
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: durationBuckets,
      registers,
    }),
    leaderStatus: new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      labelNames: ['name'],
      registers,
    }),
    apiWrites: new Counter({
      name: 'agentarmy_api_writes_total',
      help: 'Write requests the operator sent to the Kubernetes API server, by verb and kind',
      labelNames: ['verb', 'kind'],
      registers,
    }),
  };
}

/** Sum of `agentarmy_api_writes_total`, optionally leaving out some kinds (e.g. the leader Lease). */
export async function countWrites(
  metrics: RuntimeMetrics,
  opts: { excludeKinds?: string[] } = {},
): Promise<number> {
  const data = await metrics.apiWrites.get();
  const excluded = new Set(opts.excludeKinds ?? []);
  return data.values.filter((v) => !excluded.has(String(v.labels.kind))).reduce((sum, v) => sum + v.value, 0);
}

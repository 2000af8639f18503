// The analysis ticks an army's decide asked for (a blue-green preview color against its active color),
// taken through the one measurement pipeline (analysis/pipeline.ts). The reconciler then decides again
// with the re-assessed runs in ObservedArmy.analyses.
import { type TickScheduler, tickKey } from '../../analysis/tick-scheduler.js';
import type { AnalysisRunStatus } from '../../api/v1alpha1/index.js';
import type { ReconcileContext } from '../../kube/controller.js';
import type { WriteClient } from '../../kube/writes.js';
import type { AgentMeasurement } from './agent-plan.js';
import type { ObservedArmy } from './observed.js';

/** Takes one tick per request; returns the re-assessed runs by agent name (those measured in time). */
export async function measureAgents(
  ticks: TickScheduler,
  client: WriteClient,
  obs: ObservedArmy,
  requests: AgentMeasurement[],
  ctx: ReconcileContext,
  now: Date,
): Promise<Map<string, AnalysisRunStatus>> {
  const namespace = obs.army.metadata.namespace ?? '';
  const versionLabel = (name: string | undefined) =>
    (name === undefined ? undefined : obs.versions.get(name)?.spec.version) ?? name ?? '';
  const runs = new Map<string, AnalysisRunStatus>();
  for (const m of requests) {
    const key = tickKey(`AgentArmy/${namespace}/${obs.army.metadata.name}/${m.agent}`, m.request);
    const measureCtx = { client, namespace, agent: m.agent, versionLabel, signal: ctx.signal, now };
    // A tick that outlives its inline budget (a slow metrics address) wakes the army when it is done.
    const tick = await ticks.tick(key, m.request, measureCtx, ctx.wake);
    if (!tick) continue;
    runs.set(m.agent, tick.run);
    ctx.log.info(
      {
        agent: m.agent,
        preview: `${m.request.subjectTrack} ${tick.subject.canary.version}`,
        results: tick.results,
        run: tick.run.phase,
      },
      'pre-promotion analysis measurement',
    );
  }
  return runs;
}

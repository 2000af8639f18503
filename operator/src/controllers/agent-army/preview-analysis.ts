// Blue-green pre-promotion analysis inside the army reconcile: for each measurement the (pure) plan asks
// for, query Prometheus for the preview color (and the active color as the baseline of relative
// conditions) and re-assess the run. The reconciler then decides again with the runs in
// ObservedArmy.analyses, so decide stays a pure function of what was observed and measured.
import { advanceRun, prometheusProviderFromSpec, takeMeasurement } from '../../analysis/index.js';
import type { AnalysisRunStatus } from '../../api/v1alpha1/index.js';
import { isApiError } from '../../kube/api-client.js';
import type { ReconcileContext } from '../../kube/controller.js';
import { coreTypes, resourcePath } from '../../kube/resource.js';
import type { WriteClient } from '../../kube/writes.js';
import type { PreviewMeasurement } from './agent-plan.js';
import type { ObservedArmy } from './observed.js';

/** A key of a Secret in the namespace (the optional Prometheus bearer token); undefined when missing. */
async function secretValue(
  client: WriteClient,
  namespace: string,
  ref: { name: string; key: string },
): Promise<string | undefined> {
  try {
    const s = await client.request<{ data?: Record<string, string> }>({
      method: 'GET',
      path: resourcePath(coreTypes.secret, namespace, ref.name),
    });
    const b64 = s.data?.[ref.key];
    return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8').trim();
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

/** Takes one measurement per request; returns the re-assessed runs by agent name. Never throws on a
 * provider failure (that becomes an Error measurement); only a failing Secret read propagates. */
export async function measurePreviews(
  client: WriteClient,
  obs: ObservedArmy,
  requests: PreviewMeasurement[],
  ctx: ReconcileContext,
  now: Date,
): Promise<Map<string, AnalysisRunStatus>> {
  const namespace = obs.army.metadata.namespace ?? '';
  const semver = (name: string | undefined) =>
    (name === undefined ? undefined : obs.versions.get(name)?.spec.version) ?? name ?? '';
  const runs = new Map<string, AnalysisRunStatus>();
  for (const m of requests) {
    const { spec } = m.request;
    const auth = spec.provider.prometheus.authSecretRef;
    const token = auth ? await secretValue(client, namespace, auth) : undefined;
    const provider = prometheusProviderFromSpec(spec.provider.prometheus, token);
    const subject = {
      namespace,
      agent: m.agent,
      canary: { version: semver(m.request.version), track: m.subjectTrack },
      stable: { version: semver(m.request.baselineVersion), track: m.baselineTrack },
    };
    const measurements = await takeMeasurement(spec, subject, provider, now, { signal: ctx.signal });
    const run = advanceRun(m.request.run, spec, measurements, now);
    runs.set(m.agent, run);
    ctx.log.info(
      {
        agent: m.agent,
        preview: `${m.subjectTrack} ${subject.canary.version}`,
        results: measurements.map((x) => `${x.metric}=${x.value ?? '-'} ${x.result}`),
        run: run.phase,
      },
      'pre-promotion analysis measurement',
    );
  }
  return runs;
}

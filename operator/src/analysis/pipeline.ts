// The one measurement pipeline. A strategy's pure decide asks for a tick with a MeasurementRequest (which
// run, which spec, which pods against which); `measure` reads the provider's credentials, queries every
// metric once for the subject and the baseline, and returns the run re-assessed with that tick. Canary
// steps and blue-green pre-promotion analysis use it alike; the controller then decides again with the
// new run, so decide stays a pure function of what was observed and measured.
import type { AnalysisRunStatus, AnalysisSpec } from '../api/v1alpha1/index.js';
import { isApiError } from '../kube/api-client.js';
import { coreTypes, resourcePath } from '../kube/resource.js';
import type { WriteClient } from '../kube/writes.js';
import { type AnalysisSubject, checkModelIdentity, takeMeasurement } from './measure.js';
import { prometheusProviderFromSpec } from './prometheus.js';
import { advanceRun } from './run.js';

/** One tick a decide asks for: add a measurement to `run`, then decide again with the result. */
export interface MeasurementRequest {
  /** spec.steps index of the analysis step; -1 for blue-green pre-promotion analysis. */
  stepIndex: number;
  /** The analysis spec (a canary step's count and interval overrides applied). */
  spec: AnalysisSpec;
  run: AnalysisRunStatus;
  /** AgentVersion analysed (canary / preview color) and the baseline of relative conditions. */
  version: string;
  baselineVersion: string | undefined;
  /** The `track` label of the analysed pods and of the baseline's (canary/stable, or two colors). */
  subjectTrack: string;
  baselineTrack: string;
  /** The model the analysed AgentVersion asks for; set, the tick also checks model identity. */
  askedModel?: string;
}

export interface MeasureContext {
  client: WriteClient;
  namespace: string;
  agent: string;
  /** The `version` label of an AgentVersion's pods (its semver), by AgentVersion name. */
  versionLabel: (name: string | undefined) => string;
  signal?: AbortSignal;
  now: Date;
}

/** A key of a Secret in the namespace (the optional Prometheus bearer token); undefined when missing. */
export async function secretValue(
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

export interface TickResult {
  run: AnalysisRunStatus;
  subject: AnalysisSubject;
  /** "metric=value result" per measurement of the tick, for the log line. */
  results: string[];
}

/**
 * Takes one tick and returns the re-assessed run. Never throws on a provider failure (that becomes an
 * Error measurement); only a failing Secret read propagates.
 */
export async function measure(req: MeasurementRequest, ctx: MeasureContext): Promise<TickResult> {
  const { spec } = req;
  const auth = spec.provider.prometheus.authSecretRef;
  const token = auth ? await secretValue(ctx.client, ctx.namespace, auth) : undefined;
  const provider = prometheusProviderFromSpec(spec.provider.prometheus, token);
  const subject: AnalysisSubject = {
    namespace: ctx.namespace,
    agent: ctx.agent,
    canary: { version: ctx.versionLabel(req.version), track: req.subjectTrack },
    stable: { version: ctx.versionLabel(req.baselineVersion), track: req.baselineTrack },
  };
  const opts = ctx.signal ? { signal: ctx.signal } : {};
  const [measurements, drift] = await Promise.all([
    takeMeasurement(spec, subject, provider, ctx.now, opts),
    req.askedModel !== undefined
      ? checkModelIdentity(spec, subject, req.askedModel, provider, ctx.now, opts)
      : undefined,
  ]);
  const run = advanceRun(req.run, spec, measurements, ctx.now);
  // The first drift a run saw stays on it: the decision it led to is explained by it.
  const modelDrift = req.run.modelDrift ?? drift;
  return {
    run: modelDrift ? { ...run, modelDrift } : run,
    subject,
    results: measurements.map((m) => `${m.metric}=${m.value ?? '-'} ${m.result}`),
  };
}

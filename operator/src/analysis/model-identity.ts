// Model identity: which models the provider reported serving to the canary (agent_model_served_total
// {served_model}) against the model its AgentVersion asks for. A served name is the asked one when it is
// equal, or the asked name followed by a dated snapshot suffix ("gpt-4o-mini" → "gpt-4o-mini-2024-07-18",
// as providers report aliases); anything else is drift (an alias that moved to another model).
import type { ModelDrift } from '../api/v1alpha1/index.js';
import { formatTime } from '../kube/conditions.js';
import type { SeriesValue } from './provider.js';

export const SERVED_MODELS_QUERY =
  'sum by (served_model) (increase(agent_model_served_total{namespace="{{namespace}}", agent="{{agent}}", ' +
  'version="{{version}}", track="{{track}}"}[{{window}}]))';

const SNAPSHOT_SUFFIX = /^-\d[\d-]*$/;

/** Whether a served model name is the asked one (equal, or with a dated snapshot suffix). */
export function sameModel(asked: string, served: string): boolean {
  if (served === asked) return true;
  return served.startsWith(asked) && SNAPSHOT_SUFFIX.test(served.slice(asked.length));
}

/**
 * The drift a served-models answer shows: the other model that served the most calls in the window,
 * or undefined when every call was answered by the asked model (or there were none).
 */
export function findDrift(asked: string, series: readonly SeriesValue[], now: Date): ModelDrift | undefined {
  let worst: { model: string; calls: number } | undefined;
  for (const s of series) {
    const model = s.labels.served_model;
    if (model === undefined || s.value <= 0 || sameModel(asked, model)) continue;
    if (!worst || s.value > worst.calls) worst = { model, calls: s.value };
  }
  if (!worst) return undefined;
  return {
    askedModel: asked.slice(0, 253),
    servedModel: worst.model.slice(0, 253),
    servedCalls: Math.round(worst.calls * 100) / 100,
    detectedAt: formatTime(now.getTime()),
  };
}

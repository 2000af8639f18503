// The metric provider seen by the analysis: one PromQL-style query in, one number (or "no data") out.
// Kept deliberately tiny (as in Flagger) so another backend only needs `query`.

/** Why a query failed. Every kind makes the measurement an Error, never a Pass. */
export type MetricQueryErrorKind =
  | 'config' // the provider itself is misconfigured (bad address)
  | 'timeout' // no answer within the timeout
  | 'unreachable' // connection refused, DNS failure, reset
  | 'http' // non-2xx answer that is not a provider error document
  | 'query' // the provider rejected or failed the query (bad PromQL, execution error)
  | 'bad-response' // an answer the provider contract does not allow
  | 'ambiguous'; // more than one series: the query must aggregate to one number

export class MetricQueryError extends Error {
  readonly kind: MetricQueryErrorKind;

  constructor(kind: MetricQueryErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricQueryError';
    this.kind = kind;
  }
}

export interface QueryOptions {
  /** Aborts the query (e.g. the reconcile was cancelled); reported as a timeout. */
  signal?: AbortSignal;
  /** Overrides the provider's own timeout for this query. */
  timeoutMs?: number;
}

/** One series of a vector answer: its labels and its value. */
export interface SeriesValue {
  labels: Record<string, string>;
  value: number;
}

export interface MetricProvider {
  /** Short description for messages, e.g. "prometheus http://prometheus:9090". Never holds a secret. */
  readonly description: string;
  /**
   * Runs one instant query. Resolves to the single value, or `undefined` when there is no data (empty
   * result, NaN or ±Inf). Rejects with a MetricQueryError on any failure.
   */
  query(promql: string, options?: QueryOptions): Promise<number | undefined>;
  /**
   * Runs one instant query returning labelled series (the model-identity check reads `served_model`).
   * Optional: a provider without it cannot check model identity (the check reports an error).
   */
  queryVector?(promql: string, options?: QueryOptions): Promise<SeriesValue[]>;
}

/** The message of any thrown value, for status and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

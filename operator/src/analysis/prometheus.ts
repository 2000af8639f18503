// Prometheus implementation of MetricProvider over the HTTP API (`POST /api/v1/query`, instant query).
//
// Result rules: a vector with one sample or a scalar gives its value; an empty vector, NaN and ±Inf mean
// "no data" (undefined); a vector with more than one series is an error (kind "ambiguous"): summing it
// silently could add up ratios or mix tracks, so queries must aggregate to one number themselves.
import type { AnalysisSpec } from '../api/v1alpha1/index.js';
import { parseDuration } from '../api/v1alpha1/index.js';
import { addressRefusal, DEFAULT_MAX_ANSWER_BYTES, metricsPolicy } from './metrics-policy.js';
import { interpretQueryResponse, interpretVectorResponse } from './prometheus-response.js';
import {
  errorMessage,
  type MetricProvider,
  MetricQueryError,
  type QueryOptions,
  type SeriesValue,
} from './provider.js';

export { interpretQueryResponse, parseSampleValue, sanitized } from './prometheus-response.js';

export interface PrometheusProviderOptions {
  /** Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090 (a path prefix is kept). */
  address: string;
  /** Timeout of one query in ms (default 10 s). */
  timeoutMs?: number;
  /** Bearer token VALUE (the caller reads it from the Secret). Sent as a header, never put in messages. */
  bearerToken?: string;
  /** Answers above this many bytes are refused, the rest never read (default 1 MiB). */
  maxAnswerBytes?: number;
  /** Injected for tests; global fetch by default. */
  fetch?: typeof fetch;
}

/** The body as text, refusing (and not reading further than) an answer over `max` bytes. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new MetricQueryError(
      'bad-response',
      `prometheus answer of ${declared} bytes is over the ${max}-byte limit`,
    );
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new MetricQueryError('bad-response', `prometheus answer is over the ${max}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Base URL without trailing slashes; rejects credentials in the URL (they would end up in messages). */
function baseURL(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new MetricQueryError('config', `provider.prometheus.address "${address}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MetricQueryError('config', 'provider.prometheus.address must be an http(s) URL');
  }
  if (url.username || url.password) {
    throw new MetricQueryError(
      'config',
      'provider.prometheus.address must not contain credentials; use provider.prometheus.authSecretRef',
    );
  }
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** Seconds with a unit as Prometheus's `timeout` parameter wants it. */
function promTimeout(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

export function createPrometheusProvider(options: PrometheusProviderOptions): MetricProvider {
  const base = baseURL(options.address);
  const endpoint = `${base}/api/v1/query`;
  const defaultTimeout = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const maxBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const token = options.bearerToken?.trim();
  if (token !== undefined && /[\r\n]/.test(token)) {
    throw new MetricQueryError('config', 'the bearer token of provider.prometheus must be one line');
  }
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (token) headers.authorization = `Bearer ${token}`;

  async function post(promql: string, opts: QueryOptions): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? defaultTimeout;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const onAbort = () => controller.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) controller.abort();
    const body = new URLSearchParams({ query: promql, timeout: promTimeout(timeoutMs) });
    try {
      let res: Response;
      let text: string;
      try {
        // A redirect is never followed: the credential would go wherever the answer points.
        res = await doFetch(endpoint, {
          method: 'POST',
          headers,
          body,
          signal: controller.signal,
          redirect: 'manual',
        });
        if (res.status >= 300 && res.status < 400) {
          await res.body?.cancel();
          throw new MetricQueryError(
            'http',
            `prometheus answered a redirect (HTTP ${res.status}); redirects are not followed`,
          );
        }
        text = await readCapped(res, maxBytes);
      } catch (err) {
        if (err instanceof MetricQueryError) throw err;
        if (controller.signal.aborted) {
          const why = opts.signal?.aborted ? 'was cancelled' : `timed out after ${timeoutMs}ms`;
          throw new MetricQueryError('timeout', `prometheus query ${why} (${base})`, { cause: err });
        }
        const cause = err instanceof Error && err.cause ? `: ${errorMessage(err.cause)}` : '';
        throw new MetricQueryError(
          'unreachable',
          `prometheus ${base} unreachable: ${errorMessage(err)}${cause}`,
          {
            cause: err,
          },
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new MetricQueryError(
          res.ok ? 'bad-response' : 'http',
          `prometheus answered HTTP ${res.status} with a body that is not JSON (${text.length} bytes)`,
        );
      }
      if (!res.ok && (json as { status?: unknown } | null)?.status !== 'error') {
        throw new MetricQueryError('http', `prometheus answered HTTP ${res.status}`);
      }
      return json;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    description: `prometheus ${base}`,
    query: async (promql: string, opts: QueryOptions = {}) =>
      interpretQueryResponse(await post(promql, opts)),
    queryVector: async (promql: string, opts: QueryOptions = {}): Promise<SeriesValue[]> =>
      interpretVectorResponse(await post(promql, opts)),
  };
}

/** A provider whose every query fails with `kind`: the measurement is an Error with this message. */
function refusingProvider(kind: 'config', message: string): MetricProvider {
  return {
    description: 'prometheus (refused)',
    query: () => Promise.reject(new MetricQueryError(kind, message)),
    queryVector: () => Promise.reject(new MetricQueryError(kind, message)),
  };
}

/**
 * A provider from `spec.analysis.provider.prometheus` under the operator's metrics policy: the release's
 * address (or the default one), refused unless the cluster admin allows it — then nothing, the
 * authSecretRef credential included, is sent anywhere; every query fails with a `config` error that the
 * release reports. The caller resolves authSecretRef to the token.
 */
export function prometheusProviderFromSpec(
  prometheus: AnalysisSpec['provider']['prometheus'],
  bearerToken?: string,
): MetricProvider {
  const policy = metricsPolicy();
  const address = prometheus.address ?? policy.defaultAddress;
  if (!address) {
    return refusingProvider(
      'config',
      'provider.prometheus.address is not set and the operator has no default (--default-prometheus-address)',
    );
  }
  const refusal = addressRefusal(address, policy);
  if (refusal) return refusingProvider('config', refusal);
  try {
    return createPrometheusProvider({
      address,
      timeoutMs: parseDuration(prometheus.timeout),
      maxAnswerBytes: policy.maxAnswerBytes,
      ...(bearerToken !== undefined ? { bearerToken } : {}),
    });
  } catch (err) {
    return refusingProvider('config', errorMessage(err));
  }
}

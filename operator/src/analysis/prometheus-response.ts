// Reading a Prometheus `/api/v1/query` answer: one number for the analysis (interpretQueryResponse) or,
// for the model-identity check, the labelled values of a vector (interpretVectorResponse).
import { z } from 'zod';
import { MetricQueryError, type SeriesValue } from './provider.js';

const SampleValue = z.tuple([z.number(), z.string()]);
const QueryResponse = z.object({
  status: z.enum(['success', 'error']),
  data: z
    .discriminatedUnion('resultType', [
      z.object({
        resultType: z.literal('vector'),
        result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: SampleValue })),
      }),
      z.object({ resultType: z.literal('scalar'), result: SampleValue }),
      z.object({ resultType: z.enum(['matrix', 'string']), result: z.unknown() }),
    ])
    .optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

const NO_DATA_VALUES = new Set(['NaN', '+Inf', '-Inf', 'Inf']);

/** A Prometheus sample value string → number, or undefined for NaN/±Inf. */
export function parseSampleValue(text: string): number | undefined {
  if (NO_DATA_VALUES.has(text)) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new MetricQueryError('bad-response', `prometheus returned a non-numeric sample value "${text}"`);
  }
  return n;
}

function describeSeries(metric: Record<string, string>): string {
  const labels = Object.entries(metric).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `{${labels.join(', ')}}`;
}

/** Interprets a decoded `/api/v1/query` answer (the JSON body) according to the rules above. */
export function interpretQueryResponse(body: unknown): number | undefined {
  const parsed = QueryResponse.safeParse(body);
  if (!parsed.success) {
    throw new MetricQueryError('bad-response', 'prometheus answer is not a query response');
  }
  const res = parsed.data;
  if (res.status === 'error') {
    throw new MetricQueryError(
      'query',
      `prometheus ${sanitized(res.errorType ?? 'error', 40)}: ${sanitized(res.error ?? 'unknown', 200)}`,
    );
  }
  const data = res.data;
  if (!data) throw new MetricQueryError('bad-response', 'prometheus answer has no data');
  switch (data.resultType) {
    case 'scalar':
      return parseSampleValue(data.result[1]);
    case 'vector': {
      const [first, second] = data.result;
      if (!first) return undefined;
      if (second) {
        const shown = data.result.slice(0, 3).map((s) => describeSeries(s.metric));
        throw new MetricQueryError(
          'ambiguous',
          `query returned ${data.result.length} series (${shown.join(', ')}${data.result.length > 3 ? ', …' : ''}); ` +
            'aggregate it to one number, e.g. with sum() or max()',
        );
      }
      return parseSampleValue(first.value[1]);
    }
    default:
      throw new MetricQueryError(
        'bad-response',
        `query returned a ${data.resultType}; an instant query must return a vector or a scalar`,
      );
  }
}

/** Printable text of at most `max` characters (status messages never carry raw answer bytes). */
export function sanitized(text: string, max: number): string {
  const flat = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** A decoded answer as labelled values: a vector's series (NaN/±Inf samples left out); a scalar is refused. */
export function interpretVectorResponse(body: unknown): SeriesValue[] {
  const parsed = QueryResponse.safeParse(body);
  if (!parsed.success) {
    throw new MetricQueryError('bad-response', 'prometheus answer is not a query response');
  }
  const res = parsed.data;
  if (res.status === 'error') {
    throw new MetricQueryError(
      'query',
      `prometheus ${sanitized(res.errorType ?? 'error', 40)}: ${sanitized(res.error ?? 'unknown', 200)}`,
    );
  }
  if (res.data?.resultType !== 'vector') {
    throw new MetricQueryError('bad-response', 'query must return a vector of labelled series');
  }
  const out: SeriesValue[] = [];
  for (const s of res.data.result) {
    const value = parseSampleValue(s.value[1]);
    if (value !== undefined) out.push({ labels: s.metric, value });
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { parseCanaryRelease } from '../../api/v1alpha1/index.js';
import { align, parseMatrix, queryWindow } from './live-series.js';

describe('parseMatrix', () => {
  it('reads the one series of a range query, NaN as a gap', () => {
    const body = {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: {},
            values: [
              [1, '0.5'],
              [2, 'NaN'],
              [3, '0.25'],
            ],
          },
        ],
      },
    };
    expect(parseMatrix(body)).toEqual([
      [1, 0.5],
      [3, 0.25],
    ]);
    expect(parseMatrix({ status: 'success', data: { resultType: 'matrix', result: [] } })).toEqual([]);
  });

  it('refuses several series and answers that are not a matrix', () => {
    const two = {
      status: 'success',
      data: { resultType: 'matrix', result: [{ values: [] }, { values: [] }] },
    };
    expect(() => parseMatrix(two)).toThrow('2 series');
    expect(() => parseMatrix({ status: 'error' })).toThrow('not a matrix');
  });
});

describe('align', () => {
  it('puts both tracks on one ascending axis with gaps where a side has no sample', () => {
    expect(
      align(
        [
          [2, 1],
          [1, 3],
        ],
        [
          [3, 5],
          [1, 4],
        ],
      ),
    ).toEqual({
      xs: [1, 2, 3],
      canary: [3, 1, null],
      stable: [4, null, 5],
    });
  });
});

describe('queryWindow', () => {
  it('spans the release and keeps to about 300 points', () => {
    const r = parseCanaryRelease({
      apiVersion: 'agentarmy.dev/v1alpha1',
      kind: 'CanaryRelease',
      metadata: { name: 'a', namespace: 'n' },
      spec: { targetRef: { army: 'a', agent: 'b' }, steps: [{ setWeight: 10 }] },
      status: { phase: 'Progressing', startedAt: '2026-01-01T00:00:00Z' },
    });
    const w = queryWindow(r, new Date('2026-01-01T01:00:00Z'));
    expect(w).toEqual({ start: 1767225600, end: 1767229200, step: 12 });
  });
});

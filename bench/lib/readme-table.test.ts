import { describe, expect, it } from 'vitest';
import { MARKERS, OperatorResult, renderTable, spliceReadme } from './readme-table.js';

const s = (median: number, min = median, max = median, n = 3) => ({ n, min, median, max });
const result: OperatorResult = {
  status: 'ok',
  date: '2026-12-03T10:00:00.000Z',
  durationS: 5400,
  machine: { cpus: 2, cpuModel: 'AMD EPYC' },
  plan: { roundsPerConfig: 3, scales: [1] },
  peer: { name: 'Argo Rollouts v1.10.2', args: ['--qps', '1000', '--burst', '2000'] },
  floor: { mode: 'staged' },
  scales: [
    {
      scale: 1,
      nodes: 25,
      workload: { armies: 333, agents: 999, pods: 1998 },
      summary: {
        operator: {
          timeToAllReadyS: s(84.2, 80.1, 90.3),
          peakRssMiB: s(94.4),
          cpuSecondsToReady: s(8.7),
          writesToReady: s(4078, 4070, 4090),
          steadyWritesPerMin: s(0),
        },
        peer: {
          timeToAllReadyS: s(95),
          peakRssMiB: s(160),
          cpuSecondsToReady: s(25),
          writesToReady: s(9858),
          steadyWritesPerMin: s(630),
        },
        floor: {
          timeToAllReadyS: s(82),
          peakRssMiB: null,
          cpuSecondsToReady: null,
          writesToReady: s(3330),
          steadyWritesPerMin: null,
        },
      },
      targets: [
        { name: 'time to all Ready ≤ 1.05 × floor', value: 1.027, limit: 1.05, met: true },
        { name: 'time to all Ready ≤ 0.9 × peer', value: 0.886, limit: 0.9, met: true },
        { name: 'peak RSS ≤ 0.5 × peer', value: 0.59, limit: 0.5, met: false },
        { name: 'CPU to all Ready ≤ 0.4 × peer', value: 0.348, limit: 0.4, met: true },
        { name: 'writes at steady state = 0', value: 0, limit: 0, met: true },
      ],
      costPerAgent: {
        operator: { peakRssMiB: 0.094, cpuMsToReady: 8.71, writesToReady: 4.08 },
        peer: { peakRssMiB: 0.16, cpuMsToReady: 25.03, writesToReady: 9.87 },
      },
      stopped: [],
    },
  ],
  growth: null,
};

describe('renderTable', () => {
  const table = renderTable(result);

  it('puts the operator, the peer and the floor side by side with min–max of the rounds', () => {
    expect(table).toContain('| time to all Ready, 1× | 84.2 s (80.1–90.3) | 95 s | 82 s |');
    expect(table).toContain('| writes to all Ready, 1× | 4,078 (4,070–4,090) | 9,858 | 3,330 |');
    expect(table).toContain('Argo Rollouts v1.10.2 (`--qps 1000 --burst 2000`)');
  });

  it('states every target as met or not with its ratio', () => {
    expect(table).toContain('≤ 1.05 × floor: 1.027 ✅ met<br>≤ 0.9 × peer: 0.886 ✅ met');
    expect(table).toContain('≤ 0.5 × peer: 0.59 ❌ not met');
    expect(table).toContain('0: 0 ✅ met');
  });

  it('ends with one sentence on how the figures were made and how to reproduce them', () => {
    expect(table).toMatch(
      /Medians of 3 alternating rounds .* from 2026-12-03 .* took 1 h 30 min\. Reproduce with/,
    );
  });
});

describe('spliceReadme', () => {
  it('replaces only what is between the markers', () => {
    const readme = `intro\n${MARKERS.start}\nold\n${MARKERS.end}\nrest\n`;
    expect(spliceReadme(readme, 'new')).toBe(`intro\n${MARKERS.start}\nnew\n${MARKERS.end}\nrest\n`);
  });

  it('says which markers are missing', () => {
    expect(() => spliceReadme('no markers', 'x')).toThrow(/bench-table:start/);
  });
});

describe('OperatorResult', () => {
  it('names the field a malformed result lacks', () => {
    const bad = OperatorResult.safeParse({ ...result, peer: { args: [] } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['peer', 'name']);
  });
});

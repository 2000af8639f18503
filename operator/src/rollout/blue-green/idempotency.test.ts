// Restart safety of blue-green: deciding again on the plan's own status (and control outcome) with the
// same observation and clock records no event and changes nothing.
import { describe, expect, it } from 'vitest';
import { Agent, type AgentStatus } from '../../api/v1alpha1/index.js';
import { ANALYSIS, at, deployment, iso, measurement, run } from '../fixtures.test-util.js';
import { decideBlueGreen } from './decide.js';
import type { BlueGreenObserved } from './types.js';

const agent = (bg: Record<string, unknown> = {}, version = 'v2') =>
  Agent.parse({ name: 'orchestrator', version, replicas: 3, strategy: { type: 'BlueGreen', blueGreen: bg } });
const base: AgentStatus = {
  name: 'orchestrator',
  phase: 'Ready',
  readyReplicas: 3,
  activeColor: 'blue',
  previewColor: 'blue',
  colorVersions: { blue: 'v1' },
};
const previewing: AgentStatus = {
  ...base,
  phase: 'Progressing',
  previewColor: 'green',
  colorVersions: { blue: 'v1', green: 'v2' },
};
const switched: AgentStatus = {
  ...base,
  activeColor: 'green',
  previewColor: 'green',
  colorVersions: { blue: 'v1', green: 'v2' },
  scaleDownAt: iso(30),
};
const deps = (greenReady: number) => ({ blue: deployment('v1', 3), green: deployment('v2', 3, greenReady) });
const analysed = agent({ prePromotionAnalysis: ANALYSIS });
const runAt = (phase: Parameters<typeof run>[0], ms: Parameters<typeof run>[1]) => run(phase, ms, -1);

describe('decideBlueGreen is idempotent on its own output', () => {
  it.each<[string, Partial<BlueGreenObserved>, number]>([
    ['first rollout', { previous: undefined, agent: agent({}, 'v1'), deployments: {} }, 1],
    ['preview start', { previous: base, deployments: { blue: deployment('v1', 3) } }, 1],
    ['preview waiting', { previous: previewing, deployments: deps(1) }, 1],
    ['auto switch', { previous: previewing, deployments: deps(3) }, 1],
    ['scale down due', { previous: switched, deployments: deps(3) }, 30],
    [
      'switch back',
      {
        previous: switched,
        deployments: deps(3),
        control: { id: 'a', action: 'abort', agent: 'orchestrator' },
      },
      10,
    ],
    [
      'deadline rollback',
      {
        previous: previewing,
        deployments: {
          ...deps(0),
          green: {
            ...deployment('v2', 3, 0),
            status: {
              conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
            },
          },
        },
      },
      1,
    ],
    ['analysis started', { agent: analysed, previous: previewing, deployments: deps(3) }, 1],
    [
      'analysis failed',
      {
        agent: analysed,
        previous: { ...previewing, analysisRuns: [runAt('Running', [])] },
        deployments: deps(3),
        analysis: runAt('Failed', [measurement('Fail', 0.4, 10)]),
      },
      10,
    ],
    [
      'analysis inconclusive',
      {
        agent: analysed,
        previous: { ...previewing, analysisRuns: [runAt('Running', [])] },
        deployments: deps(3),
        analysis: runAt('Inconclusive', [measurement('Inconclusive', undefined, 10)]),
      },
      10,
    ],
    [
      'manual promote',
      {
        agent: agent({ autoPromote: false }),
        previous: previewing,
        deployments: deps(3),
        control: { id: 'p', action: 'promote', agent: 'orchestrator' },
      },
      1,
    ],
  ])('%s', (_what, over, sec) => {
    const obs: BlueGreenObserved = {
      agent: agent(),
      previous: base,
      totalReplicas: 3,
      deployments: {},
      ...over,
    };
    const first = decideBlueGreen(obs, at(sec));
    const lastControl = first.lastControl ?? obs.lastControl;
    const again = decideBlueGreen(
      { ...obs, previous: first.status, ...(lastControl ? { lastControl } : {}) },
      at(sec),
    );
    expect(again.events).toEqual([]);
    expect(again.status).toEqual(first.status);
    expect(again.traffic.colors).toEqual(first.traffic.colors);
    expect(again.traffic.services).toEqual(first.traffic.services);
    expect(again.lastControl).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { deployment, iso } from '../fixtures.test-util.js';
import {
  agent,
  blue,
  ctl,
  decide,
  green,
  previewing,
  steady,
  summary,
  switched,
} from './fixtures.test-util.js';
import type { BlueGreenObserved } from './types.js';

describe('decideBlueGreen', () => {
  it.each<[string, Partial<BlueGreenObserved>, number, ReturnType<typeof summary>]>([
    [
      'first rollout: blue comes up, nothing to switch',
      { agent: agent('v1'), previous: undefined, deployments: {} },
      1,
      { phase: 'Progressing', active: 'blue', preview: 'blue', blue: 3, green: 0, events: [] },
    ],
    [
      'first rollout Ready',
      { agent: agent('v1'), previous: undefined },
      1,
      { phase: 'Ready', active: 'blue', preview: 'blue', blue: 3, green: 0, events: [] },
    ],
    [
      'a version change brings up green behind the preview Service',
      {},
      1,
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        blue: 3,
        green: 3,
        events: ['PreviewStarted'],
      },
    ],
    [
      'previewReplicas sizes the preview',
      { agent: agent('v2', { previewReplicas: 1 }) },
      1,
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        blue: 3,
        green: 1,
        events: ['PreviewStarted'],
      },
    ],
    [
      'the switch waits for the preview to be Ready',
      { previous: previewing(), deployments: { blue, green: green(1) } },
      1,
      { phase: 'Progressing', active: 'blue', preview: 'green', blue: 3, green: 3, events: [] },
    ],
    [
      'autoPromote switches once the preview is Ready; blue stays for the delay',
      { previous: previewing(), deployments: { blue, green: green() } },
      1,
      { phase: 'Ready', active: 'green', preview: 'green', blue: 3, green: 3, events: ['Switched'] },
    ],
    [
      'without autoPromote the preview waits for promote',
      {
        agent: agent('v2', { autoPromote: false }),
        previous: previewing(),
        deployments: { blue, green: green() },
      },
      1,
      { phase: 'Progressing', active: 'blue', preview: 'green', blue: 3, green: 3, events: [] },
    ],
    [
      'promote of this agent switches',
      {
        agent: agent('v2', { autoPromote: false }),
        previous: previewing(),
        deployments: { blue, green: green() },
        ...ctl('promote'),
      },
      1,
      {
        phase: 'Ready',
        active: 'green',
        preview: 'green',
        blue: 3,
        green: 3,
        events: ['ControlApplied', 'Switched'],
      },
    ],
    [
      'promote of a not-Ready preview is rejected',
      {
        agent: agent('v2', { autoPromote: false }),
        previous: previewing(),
        deployments: { blue, green: green(0) },
        ...ctl('promote'),
      },
      1,
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        blue: 3,
        green: 3,
        events: ['ControlRejected'],
      },
    ],
    [
      'promote for another agent is not ours',
      {
        agent: agent('v2', { autoPromote: false }),
        previous: previewing(),
        deployments: { blue, green: green() },
        ...ctl('promote', 'other'),
      },
      1,
      { phase: 'Progressing', active: 'blue', preview: 'green', blue: 3, green: 3, events: [] },
    ],
    [
      'the old color runs until scaleDownAt',
      { previous: switched(), deployments: { blue, green: green() } },
      29,
      { phase: 'Ready', active: 'green', preview: 'green', blue: 3, green: 3, events: [] },
    ],
    [
      'then scales to zero',
      { previous: switched(), deployments: { blue, green: green() } },
      30,
      { phase: 'Ready', active: 'green', preview: 'green', blue: 0, green: 3, events: ['ScaledDown'] },
    ],
    [
      'abort after the switch switches straight back while blue runs',
      { previous: switched(), deployments: { blue, green: green() }, ...ctl('abort') },
      10,
      {
        phase: 'Degraded',
        active: 'blue',
        preview: 'blue',
        blue: 3,
        green: 0,
        events: ['ControlApplied', 'RolledBack'],
      },
    ],
    [
      'abort after blue scaled down is ignored',
      {
        previous: switched({ scaleDownAt: undefined }),
        deployments: { blue, green: green() },
        ...ctl('abort'),
      },
      40,
      { phase: 'Ready', active: 'green', preview: 'green', blue: 0, green: 3, events: ['ControlIgnored'] },
    ],
    [
      'abort before the switch scales the preview down',
      { previous: previewing(), deployments: { blue, green: green(1) }, ...ctl('abort') },
      1,
      {
        phase: 'Degraded',
        active: 'blue',
        preview: 'blue',
        blue: 3,
        green: 0,
        events: ['ControlApplied', 'RolledBack'],
      },
    ],
    [
      'preview past its progress deadline rolls back',
      {
        previous: previewing(),
        deployments: {
          blue,
          green: {
            ...green(1),
            status: {
              ...green(1).status,
              conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
            },
          },
        },
      },
      1,
      { phase: 'Degraded', active: 'blue', preview: 'blue', blue: 3, green: 0, events: ['RolledBack'] },
    ],
    [
      'crash-looping preview rolls back',
      {
        previous: previewing(),
        deployments: { blue, green: green(0) },
        previewCrashLooping: true,
        previewCrashMessage: 'CrashLoopBackOff',
      },
      1,
      { phase: 'Degraded', active: 'blue', preview: 'blue', blue: 3, green: 0, events: ['RolledBack'] },
    ],
    [
      'a rolled-back version is not retried by itself',
      {
        previous: steady({ phase: 'Degraded', colorVersions: { blue: 'v1', green: 'v2' } }),
        deployments: { blue, green: green(0, 0) },
      },
      1,
      { phase: 'Degraded', active: 'blue', preview: 'blue', blue: 3, green: 0, events: [] },
    ],
    [
      'retry brings the rolled-back version up again',
      {
        previous: steady({ phase: 'Degraded', colorVersions: { blue: 'v1', green: 'v2' } }),
        deployments: { blue, green: green(0, 0) },
        ...ctl('retry'),
      },
      1,
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        blue: 3,
        green: 3,
        events: ['ControlApplied', 'PreviewStarted'],
      },
    ],
    [
      'a new version after a rollback starts a preview',
      {
        agent: agent('v3'),
        previous: steady({ phase: 'Degraded', colorVersions: { blue: 'v1', green: 'v2' } }),
        deployments: { blue },
      },
      1,
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        blue: 3,
        green: 3,
        events: ['PreviewStarted'],
      },
    ],
    [
      'going back to the active version cancels the preview',
      { agent: agent('v1'), previous: previewing(), deployments: { blue, green: green(1) } },
      1,
      { phase: 'Ready', active: 'blue', preview: 'blue', blue: 3, green: 0, events: ['PreviewCancelled'] },
    ],
    [
      'pause is rejected for blue-green',
      { previous: previewing(), deployments: { blue, green: green(1) }, ...ctl('pause') },
      1,
      {
        phase: 'Progressing',
        active: 'blue',
        preview: 'green',
        blue: 3,
        green: 3,
        events: ['ControlRejected'],
      },
    ],
    [
      'a lost status follows the live active Service',
      { previous: undefined, activeServiceColor: 'green', deployments: { green: deployment('v1', 3) } },
      1,
      {
        phase: 'Progressing',
        active: 'green',
        preview: 'blue',
        blue: 3,
        green: 3,
        events: ['PreviewStarted'],
      },
    ],
  ])('%s', (_what, over, sec, want) => {
    expect(summary(decide(over, sec))).toEqual(want);
  });

  it('records the switch in status: versions, switchedAt, scaleDownAt after scaleDownDelaySeconds', () => {
    const p = decide(
      {
        agent: agent('v2', { scaleDownDelaySeconds: 45 }),
        previous: previewing(),
        deployments: { blue, green: green() },
      },
      5,
    );
    expect(p.status).toMatchObject({
      activeColor: 'green',
      stableVersion: 'v2',
      switchedAt: iso(5),
      scaleDownAt: iso(50),
      colorVersions: { blue: 'v1', green: 'v2' },
    });
    expect(p.traffic.colors).toEqual({
      blue: { version: 'v1', replicas: 3 },
      green: { version: 'v2', replicas: 3 },
    });
    expect(p.requeueAfterMs).toBe(30_000);
  });

  it('reports the rollback as the RolledBack problem on every later pass', () => {
    const first = decide({
      previous: previewing(),
      deployments: { blue, green: green(0) },
      previewCrashLooping: true,
    });
    expect(first.problem?.reason).toBe('RolledBack');
    const later = decide({ previous: first.status, deployments: { blue, green: green(0, 0) } }, 60);
    expect(later.problem).toEqual(first.problem);
    expect(later.events).toEqual([]);
  });

  it('hands the control outcome back for the army status', () => {
    const p = decide({ previous: switched(), deployments: { blue, green: green() }, ...ctl('abort') }, 10);
    expect(p.lastControl).toMatchObject({
      id: 'r1',
      action: 'abort',
      outcome: 'Applied',
      handledAt: iso(10),
    });
    const again = decide(
      {
        previous: p.status,
        deployments: { blue, green: green() },
        ...ctl('abort'),
        lastControl: p.lastControl,
      },
      11,
    );
    expect(again.lastControl).toBeUndefined();
    expect(again.events).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, wantsHelp } from './args.js';
import { controlRequest } from './control.js';

describe('parseArgs', () => {
  it.each([
    [
      ['status', 'orch'],
      { command: 'status', kind: 'CanaryRelease', name: 'orch', wait: true, timeoutSeconds: 30 },
    ],
    [
      ['promote', 'crel/orch', '-n', 'team', '--full'],
      { command: 'promote', name: 'orch', namespace: 'team', full: true },
    ],
    [
      ['abort', 'orch', '--namespace=team', '--no-wait'],
      { command: 'abort', namespace: 'team', wait: false },
    ],
    [['status', 'army/support', '--watch'], { kind: 'AgentArmy', name: 'support', watch: true }],
    [['promote', 'orch', '--group'], { command: 'promote', name: 'orch', group: true, full: false }],
    [['promote', 'army/support', '--agent', 'rag'], { kind: 'AgentArmy', agent: 'rag' }],
    [
      ['retry', 'orch', '--timeout', '5', '--kubeconfig', '/tmp/kc'],
      { timeoutSeconds: 5, kubeconfig: '/tmp/kc' },
    ],
  ])('parses %j', (argv, expected) => {
    expect(parseArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [[], 'missing command'],
    [['deploy', 'x'], 'unknown command "deploy"'],
    [['promote'], 'promote needs a name'],
    [['promote', 'army/support'], 'needs --agent'],
    [['abort', 'x', '--full'], '--full goes with promote'],
    [['pause', 'x', '--watch'], '--watch goes with status'],
    [['abort', 'army/support', '--agent', 'rag', '--group'], '--group goes with a CanaryRelease'],
    [['promote', 'x', '--group', '--full'], '--full cannot go with --group'],
    [['pause', 'x', '--bogus'], 'unknown flag --bogus'],
    [['pause', 'x', '-n'], '--namespace needs a value'],
    [['pause', 'x', '--timeout', '0'], '--timeout takes seconds > 0'],
    [['pause', 'x', 'y'], 'unexpected argument "y"'],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('controlRequest', () => {
  const now = new Date('2026-11-23T10:00:00.123Z');
  it.each([
    [['promote', 'x'], 'promote'],
    [['promote', 'x', '--full'], 'promoteFull'],
    [['abort', 'x'], 'abort'],
    [['resume', 'x'], 'resume'],
  ])('%j asks for %s with a unique id and a second-precision time', (argv, action) => {
    const req = controlRequest(parseArgs(argv), now, 'id-1');
    expect(req).toMatchObject({ id: 'id-1', action, requestedAt: '2026-11-23T10:00:00Z' });
  });
  it('carries the agent of an army request', () => {
    expect(controlRequest(parseArgs(['abort', 'army/a', '--agent', 'rag']), now).agent).toBe('rag');
  });
});

describe('wantsHelp', () => {
  it.each([
    [['--help'], true],
    [['promote', 'orch', '-h'], true],
    [['help'], true],
    [['status', 'help'], false],
    [['status', 'orch'], false],
  ])('%j → %s', (argv, expected) => {
    expect(wantsHelp(argv)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { ApiError, type RequestOptions } from './api-client.js';
import { FakeClock } from './clock.js';
import { EventRecorder } from './events.js';

const log = createLogger({ level: 'silent' });
const army = {
  apiVersion: 'agentarmy.dev/v1alpha1',
  kind: 'AgentArmy',
  metadata: { namespace: 'ns', name: 'a', uid: 'u1' },
};

function setup(failWith?: (call: RequestOptions) => ApiError | undefined) {
  const clock = new FakeClock();
  const calls: RequestOptions[] = [];
  const client = {
    async request<T>(opts: RequestOptions): Promise<T> {
      calls.push(opts);
      const err = failWith?.(opts);
      if (err) throw err;
      return {} as T;
    },
  };
  const recorder = new EventRecorder({ client, log, clock, aggregateWindowMs: 60_000 });
  return { clock, calls, recorder };
}

describe('EventRecorder', () => {
  it('creates a core/v1 Event about the object with type, reason and message', async () => {
    const { calls, recorder } = setup();
    await recorder.event(army, 'Warning', 'VersionNotFound', 'AgentVersion x not found');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/namespaces/ns/events',
      body: {
        type: 'Warning',
        reason: 'VersionNotFound',
        message: 'AgentVersion x not found',
        count: 1,
        involvedObject: { kind: 'AgentArmy', name: 'a', namespace: 'ns', uid: 'u1' },
      },
    });
  });

  it('aggregates repeats: no write inside the window, one count patch after it', async () => {
    const { clock, calls, recorder } = setup();
    for (let i = 0; i < 5; i++) await recorder.event(army, 'Normal', 'DeploymentApplied', 'applied');
    expect(calls).toHaveLength(1);
    await clock.advance(61_000);
    await recorder.event(army, 'Normal', 'DeploymentApplied', 'applied');
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ method: 'PATCH', body: { count: 6 } });
    expect(recorder.countOf(army, 'Normal', 'DeploymentApplied', 'applied')).toBe(6);
  });

  it.each([
    ['a different reason', 'Normal', 'RolloutCompleted', 'applied'],
    ['a different message', 'Normal', 'DeploymentApplied', 'applied again'],
    ['a different type', 'Warning', 'DeploymentApplied', 'applied'],
  ] as const)('treats %s as a separate event', async (_name, type, reason, message) => {
    const { calls, recorder } = setup();
    await recorder.event(army, 'Normal', 'DeploymentApplied', 'applied');
    await recorder.event(army, type, reason, message);
    expect(calls.map((c) => c.method)).toEqual(['POST', 'POST']);
  });

  it('creates a fresh Event when the aggregated one has expired (404 on patch)', async () => {
    const { clock, calls, recorder } = setup((c) =>
      c.method === 'PATCH' ? new ApiError(404, {}, 'patch') : undefined,
    );
    await recorder.event(army, 'Normal', 'UpgradeBlocked', 'blocked');
    await clock.advance(61_000);
    await recorder.event(army, 'Normal', 'UpgradeBlocked', 'blocked');
    expect(calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'POST']);
  });

  it('never throws when the API refuses the Event', async () => {
    const { recorder } = setup(() => new ApiError(403, { reason: 'Forbidden' }, 'create'));
    await expect(recorder.event(army, 'Warning', 'X', 'y')).resolves.toBeUndefined();
  });
});

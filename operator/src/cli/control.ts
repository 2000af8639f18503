// Manual control requests, shared by the `kubectl agentarmy` commands and the dashboard's buttons: one
// request is built by controlRequest, written to status.control through the status subresource (field
// manager kubectl-agentarmy, never the spec) by writeControl, and answered by the operator in
// status.lastControl, which awaitAcknowledgement polls for.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { ControlAction, ControlRequest, ControlResult } from '../api/v1alpha1/index.js';
import { agentArmyType, canaryReleaseType } from '../controllers/resource-types.js';
import type { KubeClient } from '../kube/api-client.js';
import { resourcePath } from '../kube/resource.js';

export const FIELD_MANAGER = 'kubectl-agentarmy';

/** The object a request is for. */
export interface ControlTarget {
  kind: 'CanaryRelease' | 'AgentArmy';
  namespace: string;
  name: string;
}

/** What the user asked for: a command of the plugin (promote with `full` is promoteFull). */
export interface ControlIntent {
  command: ControlAction | 'status';
  full?: boolean;
  agent?: string | undefined;
}

export class NotARequestError extends Error {}

/** The action a command asks for; `status` is not one. */
export function actionOf(intent: ControlIntent): ControlAction {
  if (intent.command === 'status') throw new NotARequestError('status is not a request');
  return intent.command === 'promote' && intent.full ? 'promoteFull' : intent.command;
}

/** A new request with a fresh id, stamped with the time (seconds) and the local user name. */
export function controlRequest(intent: ControlIntent, now: Date, id: string = randomUUID()): ControlRequest {
  const action = actionOf(intent);
  let requestedBy = 'unknown';
  try {
    requestedBy = userInfo().username;
  } catch {}
  return {
    id,
    action,
    ...(intent.agent ? { agent: intent.agent } : {}),
    requestedAt: `${now.toISOString().slice(0, 19)}Z`,
    requestedBy,
  };
}

function typeOf(target: ControlTarget) {
  return target.kind === 'AgentArmy' ? agentArmyType : canaryReleaseType;
}

/** Reads the target object as the API server has it. */
export function readTarget(client: KubeClient, target: ControlTarget): Promise<unknown> {
  return client.request({ method: 'GET', path: resourcePath(typeOf(target), target.namespace, target.name) });
}

/** Writes `req` to status.control (merge patch of the status subresource); API errors propagate. */
export async function writeControl(client: KubeClient, target: ControlTarget, req: ControlRequest) {
  await client.request({
    method: 'PATCH',
    path: resourcePath(typeOf(target), target.namespace, target.name, 'status'),
    query: { fieldManager: FIELD_MANAGER },
    body: { status: { control: req } },
    contentType: 'application/merge-patch+json',
  });
}

type WithLastControl = { status?: { lastControl?: ControlResult } };

/**
 * Polls the target until status.lastControl answers request `id`; undefined when `timeoutMs` passes or
 * `signal` aborts first (the request then stays in status.control for the operator to handle later).
 */
export async function awaitAcknowledgement(
  client: KubeClient,
  target: ControlTarget,
  id: string,
  timeoutMs: number,
  opts: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<ControlResult | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !opts.signal?.aborted) {
    const answer = ((await readTarget(client, target)) as WithLastControl).status?.lastControl;
    if (answer?.id === id) return answer;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
  return undefined;
}

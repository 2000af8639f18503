// kubectl-agentarmy: manual control of canary and blue-green releases without GitOps drift. Requests go to
// status.control through the status subresource (field manager kubectl-agentarmy); the operator acts on
// each request id once and answers in status.lastControl, which this command waits for and prints.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { type ControlRequest, safeParseAgentArmy, safeParseCanaryRelease } from '../api/v1alpha1/index.js';
import { agentArmyType, canaryReleaseType } from '../controllers/resource-types.js';
import { KubeClient } from '../kube/api-client.js';
import { resourcePath } from '../kube/resource.js';
import { type CliArgs, parseArgs, USAGE, UsageError, wantsHelp } from './args.js';
import { renderArmyStatus, renderCanaryStatus } from './render.js';

export const FIELD_MANAGER = 'kubectl-agentarmy';

type Raw = { status?: { lastControl?: { id: string; outcome: string; message?: string } } };

function clientFor(args: CliArgs): { client: KubeClient; namespace: string } {
  const kc = new KubeConfig();
  if (args.kubeconfig) kc.loadFromFile(args.kubeconfig);
  else kc.loadFromDefault();
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return { client: new KubeClient(kc), namespace: args.namespace ?? ctx?.namespace ?? 'default' };
}

export function controlRequest(args: CliArgs, now: Date, id: string = randomUUID()): ControlRequest {
  const action = args.command === 'promote' && args.full ? 'promoteFull' : args.command;
  if (action === 'status') throw new UsageError('status is not a request');
  let requestedBy = 'unknown';
  try {
    requestedBy = userInfo().username;
  } catch {}
  return {
    id,
    action,
    ...(args.agent ? { agent: args.agent } : {}),
    requestedAt: `${now.toISOString().slice(0, 19)}Z`,
    requestedBy,
  };
}

async function read(client: KubeClient, args: CliArgs, namespace: string): Promise<unknown> {
  const type = args.kind === 'AgentArmy' ? agentArmyType : canaryReleaseType;
  return client.request({ method: 'GET', path: resourcePath(type, namespace, args.name) });
}

function render(args: CliArgs, raw: unknown): string {
  if (args.kind === 'AgentArmy') {
    const r = safeParseAgentArmy(raw);
    if (!r.ok) throw new Error(r.error.message);
    return renderArmyStatus(r.value);
  }
  const r = safeParseCanaryRelease(raw);
  if (!r.ok) throw new Error(r.error.message);
  return renderCanaryStatus(r.value);
}

async function status(client: KubeClient, args: CliArgs, namespace: string): Promise<void> {
  let last = '';
  for (;;) {
    const text = render(args, await read(client, args, namespace));
    if (text !== last) process.stdout.write(`${args.watch && last ? '\n' : ''}${text}\n`);
    last = text;
    if (!args.watch) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function request(client: KubeClient, args: CliArgs, namespace: string): Promise<number> {
  const type = args.kind === 'AgentArmy' ? agentArmyType : canaryReleaseType;
  const req = controlRequest(args, new Date());
  await client.request({
    method: 'PATCH',
    path: resourcePath(type, namespace, args.name, 'status'),
    query: { fieldManager: FIELD_MANAGER },
    body: { status: { control: req } },
    contentType: 'application/merge-patch+json',
  });
  process.stdout.write(`${req.action} requested for ${args.kind} ${namespace}/${args.name} (id ${req.id})\n`);
  if (!args.wait) return 0;
  const deadline = Date.now() + args.timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const raw = (await read(client, args, namespace)) as Raw;
    const answer = raw.status?.lastControl;
    if (answer?.id === req.id) {
      process.stdout.write(`${answer.outcome}${answer.message ? `: ${answer.message}` : ''}\n`);
      return answer.outcome === 'Rejected' ? 1 : 0;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stderr.write(
    `the operator did not acknowledge the request within ${args.timeoutSeconds}s; it stays in status.control\n`,
  );
  return 3;
}

export async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const { client, namespace } = clientFor(args);
  try {
    if (args.command === 'status') {
      await status(client, args, namespace);
      return 0;
    }
    return await request(client, args, namespace);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    client.close();
  }
}

// kubectl-agentarmy: manual control of canary and blue-green releases without GitOps drift. Requests go to
// status.control through the status subresource (field manager kubectl-agentarmy); the operator acts on
// each request id once and answers in status.lastControl, which this command waits for and prints.
import { safeParseAgentArmy, safeParseCanaryRelease } from '../api/v1alpha1/index.js';
import type { KubeClient } from '../kube/api-client.js';
import { type CliArgs, parseArgs, USAGE, UsageError, wantsHelp } from './args.js';
import { clientFor } from './client.js';
import {
  awaitAcknowledgement,
  type ControlTarget,
  controlRequest,
  readTarget,
  writeControl,
} from './control.js';
import { DASHBOARD_USAGE, type DashboardArgs, parseDashboardArgs } from './dashboard/args.js';
import { runDashboard } from './dashboard/run.js';
import { renderArmyStatus, renderCanaryStatus } from './render.js';

const targetOf = (args: CliArgs, namespace: string): ControlTarget => ({
  kind: args.kind,
  namespace,
  name: args.name,
});

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
    const text = render(args, await readTarget(client, targetOf(args, namespace)));
    if (text !== last) process.stdout.write(`${args.watch && last ? '\n' : ''}${text}\n`);
    last = text;
    if (!args.watch) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function request(client: KubeClient, args: CliArgs, namespace: string): Promise<number> {
  const target = targetOf(args, namespace);
  const req = controlRequest(args, new Date());
  await writeControl(client, target, req);
  process.stdout.write(`${req.action} requested for ${args.kind} ${namespace}/${args.name} (id ${req.id})\n`);
  if (!args.wait) return 0;
  const answer = await awaitAcknowledgement(client, target, req.id, args.timeoutSeconds * 1000);
  if (answer) {
    process.stdout.write(`${answer.outcome}${answer.message ? `: ${answer.message}` : ''}\n`);
    return answer.outcome === 'Rejected' ? 1 : 0;
  }
  process.stderr.write(
    `the operator did not acknowledge the request within ${args.timeoutSeconds}s; it stays in status.control\n`,
  );
  return 3;
}

async function dashboard(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${DASHBOARD_USAGE}\n`);
    return 0;
  }
  let args: DashboardArgs;
  try {
    args = parseDashboardArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message}\n\n${DASHBOARD_USAGE}\n`);
    return 2;
  }
  try {
    return await runDashboard(args);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'dashboard') return dashboard(argv.slice(1));
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

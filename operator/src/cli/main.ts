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
import { readGroup } from './group.js';
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

/** The targets of a command: the named object, or with --group every member of its lockstep group. */
async function targetsOf(client: KubeClient, args: CliArgs, namespace: string): Promise<ControlTarget[]> {
  if (!args.group) return [targetOf(args, namespace)];
  const names = await readGroup(client, namespace, args.name);
  return names.map((name) => ({ kind: 'CanaryRelease', namespace, name }));
}

async function status(client: KubeClient, args: CliArgs, namespace: string): Promise<void> {
  let last = '';
  for (;;) {
    const targets = await targetsOf(client, args, namespace);
    const texts = await Promise.all(targets.map(async (t) => render(args, await readTarget(client, t))));
    const text = texts.join('\n\n');
    if (text !== last) process.stdout.write(`${args.watch && last ? '\n' : ''}${text}\n`);
    last = text;
    if (!args.watch) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Writes the request to every target (one id for all: each release answers it once), then waits. */
async function request(client: KubeClient, args: CliArgs, namespace: string): Promise<number> {
  const targets = await targetsOf(client, args, namespace);
  const req = controlRequest(args, new Date());
  for (const target of targets) {
    await writeControl(client, target, req);
    process.stdout.write(
      `${req.action} requested for ${args.kind} ${namespace}/${target.name} (id ${req.id})\n`,
    );
  }
  if (!args.wait) return 0;
  let code = 0;
  for (const target of targets) {
    const answer = await awaitAcknowledgement(client, target, req.id, args.timeoutSeconds * 1000);
    const who = targets.length > 1 ? `${target.name}: ` : '';
    if (answer) {
      process.stdout.write(`${who}${answer.outcome}${answer.message ? `: ${answer.message}` : ''}\n`);
      if (answer.outcome === 'Rejected') code = Math.max(code, 1);
      continue;
    }
    process.stderr.write(
      `${who}the operator did not acknowledge the request within ${args.timeoutSeconds}s; it stays in status.control\n`,
    );
    code = 3;
  }
  return code;
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

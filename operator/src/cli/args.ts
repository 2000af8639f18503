// Command line of `kubectl agentarmy` (kubectl-agentarmy on PATH). Pure parsing, tested with tables.
import { z } from 'zod';

export const USAGE = `usage: kubectl agentarmy <command> <name> [flags]

commands (a CanaryRelease by name, or an AgentArmy as army/<name> with --agent for blue-green):
  status <name>        phase, step, weight and the last analysis measurements (--watch to follow)
  promote <name>       finish the current pause or step (--full: skip all remaining steps)
  abort <name>         roll back now: weight 0, canary scaled down, stable untouched
  retry <name>         restart a rolled-back release
  pause <name>         hold at the current step
  resume <name>        continue after a pause
  dashboard            a local web dashboard of armies and releases (see: kubectl agentarmy dashboard --help)

flags:
  -n, --namespace NS   namespace (default: the kubeconfig context's, else "default")
  --agent NAME         the agent of an army (blue-green promote/abort)
  --full               with promote: promote fully
  --group              a CanaryRelease with spec.lockstep: act on (or show) every member of its group
  --watch, -w          with status: print again on every change
  --no-wait            do not wait for the operator to acknowledge a request
  --timeout SECONDS    how long to wait for the acknowledgement (default 30)
  --kubeconfig FILE    kubeconfig (default: $KUBECONFIG or ~/.kube/config)

In a lockstep group, promote completes the step on that member only (the group leaves the step once
every member has completed it), and an abort of any member rolls the whole group back; promote --group
completes the step on every member. promote --full is refused in a group.

Requests are written to status.control through the status subresource, never to the spec, so a GitOps
tool that owns the spec sees no drift.`;

export const Command = z.enum(['status', 'promote', 'abort', 'retry', 'pause', 'resume']);

export const CliArgs = z.object({
  command: Command,
  kind: z.enum(['CanaryRelease', 'AgentArmy']),
  name: z.string().min(1),
  namespace: z.string().optional(),
  agent: z.string().optional(),
  full: z.boolean(),
  group: z.boolean(),
  watch: z.boolean(),
  wait: z.boolean(),
  timeoutSeconds: z.number().positive(),
  kubeconfig: z.string().optional(),
});
export type CliArgs = z.infer<typeof CliArgs>;

export class UsageError extends Error {}

/** `help`, `-h` or `--help` anywhere asks for the usage text (printed to stdout, exit 0). */
export function wantsHelp(argv: string[]): boolean {
  return argv[0] === 'help' || argv.some((a) => a === '-h' || a === '--help');
}

export function parseArgs(argv: string[]): CliArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const takeValue = (flag: string) => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (a === '-n' || a.startsWith('--namespace')) flags.namespace = takeValue('--namespace');
    else if (a.startsWith('--agent')) flags.agent = takeValue('--agent');
    else if (a.startsWith('--timeout')) flags.timeout = takeValue('--timeout');
    else if (a.startsWith('--kubeconfig')) flags.kubeconfig = takeValue('--kubeconfig');
    else if (a === '--full') flags.full = true;
    else if (a === '--group') flags.group = true;
    else if (a === '--watch' || a === '-w') flags.watch = true;
    else if (a === '--no-wait') flags.noWait = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown flag ${a}`);
    else positional.push(a);
  }
  const [command, target, ...rest] = positional;
  if (!command) throw new UsageError('missing command');
  const cmd = Command.safeParse(command);
  if (!cmd.success) throw new UsageError(`unknown command "${command}"`);
  if (!target) throw new UsageError(`${command} needs a name`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const isArmy = target.startsWith('army/') || target.startsWith('agentarmy/');
  const name = isArmy ? target.slice(target.indexOf('/') + 1) : target.replace(/^(crel|canaryrelease)\//, '');
  if (isArmy && cmd.data !== 'status' && typeof flags.agent !== 'string') {
    throw new UsageError('an army request needs --agent (the blue-green agent to act on)');
  }
  if (flags.full && cmd.data !== 'promote') throw new UsageError('--full goes with promote');
  if (flags.watch && cmd.data !== 'status') throw new UsageError('--watch goes with status');
  if (flags.group && isArmy) throw new UsageError('--group goes with a CanaryRelease (its lockstep group)');
  if (flags.group && flags.full)
    throw new UsageError('--full cannot go with --group: a group moves step by step');
  const timeoutSeconds = flags.timeout === undefined ? 30 : Number(flags.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new UsageError('--timeout takes seconds > 0');
  return CliArgs.parse({
    command: cmd.data,
    kind: isArmy ? 'AgentArmy' : 'CanaryRelease',
    name,
    namespace: flags.namespace,
    agent: flags.agent,
    full: flags.full === true,
    group: flags.group === true,
    watch: flags.watch === true,
    wait: flags.noWait !== true,
    timeoutSeconds,
    kubeconfig: flags.kubeconfig,
  });
}

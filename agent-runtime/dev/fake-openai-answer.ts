// What the fake upstream answers, apart from timing and failures: which model serves a name (aliases that
// move), deterministic tool calls, the text of an answer (an echo that also reports tool results), and a
// judge's score. Pure functions over the request, so tests and the server share them.
import type { ModelBehaviour } from './fake-openai-config.js';

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] | undefined;
  tool_call_id?: string | undefined;
}

export interface FakeToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

const text = (content: unknown): string => (typeof content === 'string' ? content : '');

/** The model that serves `name` at time `now`: itself, its alias target, or where the alias moved to. */
export function servedModel(name: string, b: ModelBehaviour, startedAt: number, now: number): string {
  const sw = b.switch;
  if (sw) {
    const at = sw.at !== undefined ? Date.parse(sw.at) : startedAt + (sw.afterSeconds ?? 0) * 1000;
    if (now >= at) return sw.to;
  }
  return b.aliasOf ?? name;
}

/** Index of the last user message, and the model calls already made since it (assistant tool-call turns). */
function turn(messages: ChatMessage[]): { userIndex: number; step: number } {
  let userIndex = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      userIndex = i;
      break;
    }
  }
  const step = messages
    .slice(userIndex + 1)
    .filter((m) => m.role === 'assistant' && m.tool_calls?.length).length;
  return { userIndex, step: step + 1 };
}

function substitute(value: unknown, groups: RegExpExecArray | null): unknown {
  if (typeof value === 'string')
    return value.replace(/\$(\d)/g, (_m, d: string) => groups?.[Number(d)] ?? '');
  if (Array.isArray(value)) return value.map((v) => substitute(v, groups));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, groups)]));
  }
  return value;
}

/** The tool calls `b` makes for this request, or none. Ids are `call_<seq>_<n>`. */
export function toolCallsFor(
  b: ModelBehaviour,
  messages: ChatMessage[],
  offered: ReadonlySet<string>,
  seq: number,
): FakeToolCall[] {
  if (b.toolCalls.length === 0) return [];
  const { userIndex, step } = turn(messages);
  const user = text(messages[userIndex]?.content);
  const calls: FakeToolCall[] = [];
  for (const rule of b.toolCalls) {
    if (rule.step !== 'any' && rule.step !== step) continue;
    if (!offered.has(rule.name)) continue;
    const groups = rule.match === undefined ? null : new RegExp(rule.match).exec(user);
    if (rule.match !== undefined && !groups) continue;
    calls.push({
      id: `call_${seq}_${calls.length + 1}`,
      type: 'function',
      function: { name: rule.name, arguments: JSON.stringify(substitute(rule.arguments, groups)) },
    });
  }
  return calls;
}

/**
 * The answer text: `reply` or an echo of the last user message, followed by the results of the tools
 * called since that message, as ` [name: result]` each.
 */
export function replyText(b: ModelBehaviour, messages: ChatMessage[]): string {
  const { userIndex } = turn(messages);
  const base = b.reply ?? `Echo: ${text(messages[userIndex]?.content)}`;
  const names = new Map<string, string>();
  const results: string[] = [];
  for (const m of messages.slice(userIndex + 1)) {
    for (const c of m.tool_calls ?? []) if (c.id) names.set(c.id, c.function?.name ?? '?');
    if (m.role === 'tool') results.push(`[${names.get(m.tool_call_id ?? '') ?? '?'}: ${text(m.content)}]`);
  }
  return results.length > 0 ? `${base} ${results.join(' ')}` : base;
}

/** What the fake remembers of an answered call, for a judge call that carries the same request id. */
export interface AnsweredCall {
  model: string;
  system: string;
}

/** A judge model's reply: {"score", "reason"} (see judgeBehaviourSchema). */
export function judgeReply(
  judge: NonNullable<ModelBehaviour['judge']>,
  answered: AnsweredCall | undefined,
  random: () => number,
): string {
  let score = judge.default;
  let reason = 'no record of the answering call; default score';
  const byModel = answered ? judge.scores[answered.model] : undefined;
  const byPrompt = answered
    ? judge.promptRules.find((r) => new RegExp(r.match).test(answered.system))
    : undefined;
  if (byModel !== undefined) {
    score = byModel;
    reason = `answered by ${answered?.model}`;
  } else if (byPrompt) {
    score = byPrompt.score;
    reason = `system prompt matches /${byPrompt.match}/`;
  } else if (answered) {
    reason = `answered by ${answered.model}; default score`;
  }
  if (judge.jitter > 0) score += (random() * 2 - 1) * judge.jitter;
  score = Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
  return JSON.stringify({ score, reason });
}

/** The text of the first system message (the agent's prompt). */
export function systemPrompt(messages: ChatMessage[]): string {
  return text(messages.find((m) => m.role === 'system')?.content);
}

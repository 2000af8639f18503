// The invoke API contract: POST /v1/invoke { messages: [{ role, content }], stream?, toolCalls? }.
import { z } from 'zod';

export const messageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(1_000_000),
});

export const invokeRequestSchema = z.object({
  messages: z.array(messageSchema).min(1, 'must contain at least one message').max(1000),
  stream: z.boolean().default(false),
  /**
   * `run` (default): the runtime runs the version's tools and answers when the model is done.
   * `return`: tool calls are handed back in the answer's `toolCalls`, as a plain model call would.
   */
  toolCalls: z.enum(['run', 'return']).default('run'),
});

export type InvokeMessage = z.output<typeof messageSchema>;
export type InvokeRequest = z.output<typeof invokeRequestSchema>;

/** Request header that turns side effects off for one request (shadow traffic): `x-agent-side-effects: stub`. */
export const SIDE_EFFECTS_HEADER = 'x-agent-side-effects';

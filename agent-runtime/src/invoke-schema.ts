// The invoke API contract: POST /v1/invoke { messages: [{ role, content }], stream? }.
import { z } from 'zod';

export const messageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(1_000_000),
});

export const invokeRequestSchema = z.object({
  messages: z.array(messageSchema).min(1, 'must contain at least one message').max(1000),
  stream: z.boolean().default(false),
});

export type InvokeMessage = z.output<typeof messageSchema>;
export type InvokeRequest = z.output<typeof invokeRequestSchema>;

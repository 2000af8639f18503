// The one error type of tool transports (HTTP and MCP): what failed, whether another attempt may help, and
// whether it says the tool is unhealthy (counted by the tool's circuit breaker).

export type ToolErrorKind = 'connection' | 'server' | 'client' | 'tool' | 'invalid_response';

export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    readonly kind: ToolErrorKind,
    message: string,
    /** Another attempt may succeed (connection errors, 5xx, 429, 408, a tool-reported failure). */
    readonly retryable: boolean,
  ) {
    super(message);
  }

  /** The tool is unhealthy: everything but a refusal of the call itself (4xx other than 408/429). */
  get unhealthy(): boolean {
    return this.kind !== 'client';
  }
}

/** Most characters of a tool's answer given to the model; the rest is cut (and the cut is said). */
export const MAX_RESULT_CHARS = 100_000;

export function capResult(text: string): string {
  return text.length <= MAX_RESULT_CHARS
    ? text
    : `${text.slice(0, MAX_RESULT_CHARS)}\n[… ${text.length - MAX_RESULT_CHARS} more characters cut by the agent runtime]`;
}

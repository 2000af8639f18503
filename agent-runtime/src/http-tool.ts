// An HTTP tool: the model's arguments are POSTed as a JSON object to the tool's URL; a 2xx answer's body is
// the result the model reads (JSON or text, as the tool sent it).
import { capResult, ToolError } from './tool-error.js';

export async function callHttpTool(
  url: string,
  args: Record<string, unknown>,
  opts: { signal: AbortSignal; requestId: string; tool: string },
): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/plain;q=0.9, */*;q=0.5',
        'x-request-id': opts.requestId,
        'x-agent-tool': opts.tool,
      },
      body: JSON.stringify(args),
      signal: opts.signal,
    });
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ToolError(
      'connection',
      `cannot reach the tool: ${cause?.code ?? cause?.message ?? String(err)}`,
      true,
    );
  }
  const text = await res.text();
  if (res.ok) return capResult(text);
  const detail = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  const retryable =
    res.headers.get('x-should-retry') !== 'false' &&
    (res.status >= 500 || res.status === 429 || res.status === 408);
  const kind = res.status >= 500 || res.status === 429 || res.status === 408 ? 'server' : 'client';
  throw new ToolError(kind, `the tool answered ${res.status}: ${detail}`, retryable);
}

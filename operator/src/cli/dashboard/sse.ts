// Server-sent events: the framing of one message (pure) and a stream over an HTTP response with a
// heartbeat, so proxies and the browser keep the connection open while nothing changes.
import type { ServerResponse } from 'node:http';

export interface SseMessage {
  /** Event name the page listens for; "message" when absent. */
  event?: string;
  /** Payload; line breaks become separate data lines (the browser joins them again with \n). */
  data: string;
  id?: string;
  /** How long the browser waits before reconnecting, in ms. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

/** One message in the text/event-stream format, ending with the blank line that dispatches it. */
export function formatSse(msg: SseMessage): string {
  let out = '';
  if (msg.event !== undefined) {
    if (LINE_BREAK.test(msg.event) || msg.event === '') throw new Error('SSE event name must be one line');
    out += `event: ${msg.event}\n`;
  }
  if (msg.id !== undefined) {
    if (LINE_BREAK.test(msg.id) || msg.id.includes('\0')) throw new Error('SSE id must be one line');
    out += `id: ${msg.id}\n`;
  }
  if (msg.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(msg.retry))}\n`;
  for (const line of msg.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line: ignored by the browser, keeps the connection alive. */
export function sseComment(text: string): string {
  return `: ${text.replace(/\r\n|\r|\n/g, ' ')}\n\n`;
}

/** An open event stream to one page. */
export class SseStream {
  private heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly closeHandlers: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    opts: { heartbeatMs?: number; retryMs?: number } = {},
  ) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(formatSse({ event: 'hello', data: '', retry: opts.retryMs ?? 2000 }));
    this.heartbeat = setInterval(() => this.write(sseComment('keep-alive')), opts.heartbeatMs ?? 15_000);
    res.on('close', () => this.close());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(msg: SseMessage): void {
    this.write(formatSse(msg));
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.res.end();
    for (const h of this.closeHandlers.splice(0)) h();
  }

  private write(text: string): void {
    if (!this.closed) this.res.write(text);
  }
}

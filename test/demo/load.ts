// Steady traffic for the demo: a fixed rate of invokes spread over the two tracks in proportion to their
// ready pods, as the agent's Service spreads requests over the pods it selects (replicas traffic mode).
import type { TrackProcesses } from './track-processes.js';

export class LoadGenerator {
  private timer: NodeJS.Timeout | undefined;
  sent = 0;
  failed = 0;
  private seq = 0;

  constructor(
    private readonly tracks: TrackProcesses,
    private readonly ratePerSecond: number,
  ) {}

  start(): void {
    const every = 1000 / this.ratePerSecond;
    this.timer = setInterval(() => void this.fire(), every);
  }

  private pick(): string | undefined {
    const { stable, canary } = this.tracks.state;
    const s = stable.url ? stable.readyPods : 0;
    const c = canary.url ? canary.readyPods : 0;
    if (s + c === 0) return stable.url ?? canary.url;
    // Deterministic interleaving: request n goes to the canary when it falls in the canary's share.
    this.seq += 1;
    return (this.seq * c) % (s + c) < c ? canary.url : stable.url;
  }

  private async fire(): Promise<void> {
    const url = this.pick();
    if (!url) return;
    this.sent += 1;
    try {
      const res = await fetch(`${url}/v1/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: `Where is order ${this.sent}?` }] }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (!res.ok) this.failed += 1;
    } catch {
      this.failed += 1;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

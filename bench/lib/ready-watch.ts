// Readiness counted from a watch, not by listing every object each second: the count is exact at each
// event (no 1 s polling grain) and the measurement costs the apiserver one watch, like an informer, instead
// of a ~1 MB list per second competing with the workload it measures. A watch that ends is reopened (a
// watch without resourceVersion replays every current object first).
import type { KubeClient } from '../../operator/src/kube/api-client.js';

export class ReadyWatch {
  /** performance.now() when `expected` objects were first ready at once. */
  allReadyAt: number | undefined;
  private readonly ready = new Map<string, boolean>();
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;
  private readyCount = 0;

  constructor(
    client: Pick<KubeClient, 'watch'>,
    opts: {
      path: string;
      labelSelector?: string;
      isReady: (obj: unknown) => boolean;
      expected: number;
      log: (msg: string) => void;
      /** Called with every added or modified object. */
      onObject?: (obj: unknown) => void;
    },
  ) {
    const onEvent = (type: string, obj: { metadata?: { namespace?: string; name?: string } }) => {
      const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
      const was = this.ready.get(key) ?? false;
      const now = type === 'DELETED' ? false : opts.isReady(obj);
      if (type === 'DELETED') this.ready.delete(key);
      else {
        this.ready.set(key, now);
        opts.onObject?.(obj);
      }
      this.readyCount += Number(now) - Number(was);
      if (this.readyCount >= opts.expected && this.allReadyAt === undefined)
        this.allReadyAt = performance.now();
    };
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        await client
          .watch({
            path: opts.path,
            query: { labelSelector: opts.labelSelector, allowWatchBookmarks: false },
            signal: this.abort.signal,
            idleTimeoutMs: 300_000,
            onEvent: (e) => {
              if (e.type !== 'BOOKMARK' && e.type !== 'ERROR') onEvent(e.type, e.object as object);
            },
          })
          .catch((err: unknown) => opts.log(`readiness watch ended (${String(err)}); reopening`));
        if (!this.abort.signal.aborted) await new Promise((r) => setTimeout(r, 500));
      }
    })();
  }

  get count(): number {
    return this.readyCount;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}

// Measurements never hold a reconcile worker for long. A tick runs in the background, and the reconcile
// that asked for it waits only a short inline budget: a healthy Prometheus answers within it, and the
// decision goes on at once as before. A slow or black-hole metrics address (a tenant may name one) runs
// out the budget: the reconcile returns without the tick, the worker serves other objects — another
// release's rollback among them — and when the tick completes (within the query timeout, at most 60 s)
// the object is queued again and the next reconcile consumes the result.
import type { MeasureContext, MeasurementRequest, TickResult } from './pipeline.js';
import { measure } from './pipeline.js';

/** How long a reconcile waits inline for its tick. */
export const INLINE_BUDGET_MS = 1_000;
/** Ticks in flight at once, over all objects; past it a tick waits for the next reconcile. */
export const MAX_IN_FLIGHT = 64;
/** Finished ticks kept for the reconcile that will consume them; the oldest go first past this. */
const MAX_DONE = 1_024;

type Measure = (req: MeasurementRequest, ctx: MeasureContext) => Promise<TickResult>;

/** The key of one tick: the object, the run and how many measurements it has (a later tick is another key). */
export function tickKey(object: string, req: MeasurementRequest): string {
  return `${object}|${req.stepIndex}|${req.run.startedAt ?? ''}|${req.run.measurements.length}`;
}

export class TickScheduler {
  private readonly inFlight = new Map<string, Promise<TickResult | Error>>();
  private readonly done = new Map<string, TickResult | Error>();

  constructor(
    private readonly run: Measure = measure,
    private readonly budgetMs = INLINE_BUDGET_MS,
  ) {}

  /** Ticks running now (for tests and metrics). */
  get running(): number {
    return this.inFlight.size;
  }

  /**
   * The tick's result when it is ready within the inline budget (or finished since the last call);
   * undefined while it still runs — `wake` queues the object again when it finishes. A failing tick
   * (e.g. its Secret could not be read) rejects, once.
   */
  async tick(
    key: string,
    req: MeasurementRequest,
    ctx: MeasureContext,
    wake: () => void,
  ): Promise<TickResult | undefined> {
    const finished = this.take(key);
    if (finished) return finished;
    let running = this.inFlight.get(key);
    if (!running) {
      if (this.inFlight.size >= MAX_IN_FLIGHT) return undefined;
      running = this.run(req, ctx).then(
        (r) => r,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      );
      this.inFlight.set(key, running);
      void running.then((r) => {
        this.inFlight.delete(key);
        this.done.set(key, r);
        if (this.done.size > MAX_DONE) this.done.delete(this.done.keys().next().value ?? '');
        wake();
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.budgetMs);
    });
    const first = await Promise.race([running, budget]);
    clearTimeout(timer);
    if (first === undefined) return undefined;
    // Settled inline: the result is used now, not again.
    this.done.delete(key);
    if (first instanceof Error) throw first;
    return first;
  }

  private take(key: string): TickResult | undefined {
    const r = this.done.get(key);
    if (r === undefined) return undefined;
    this.done.delete(key);
    if (r instanceof Error) throw r;
    return r;
  }
}

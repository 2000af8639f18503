// A small bounded pool for the floor round's late applies (Services and PDBs once their Deployment has a
// ready pod).

/** Runs `task` for each item pushed, at most `limit` at once; `idle()` resolves when none is left. */
export function pool(limit: number) {
  const waiting: (() => Promise<void>)[] = [];
  let running = 0;
  let drained: (() => void) | undefined;
  const pump = () => {
    while (running < limit && waiting.length > 0) {
      const task = waiting.shift()!;
      running++;
      void task().finally(() => {
        running--;
        pump();
      });
    }
    if (running === 0 && waiting.length === 0) drained?.();
  };
  return {
    push(task: () => Promise<void>) {
      waiting.push(task);
      pump();
    },
    idle: () =>
      running === 0 && waiting.length === 0
        ? Promise.resolve()
        : new Promise<void>((r) => {
            drained = r;
          }),
  };
}

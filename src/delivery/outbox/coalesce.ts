/** An item waiting for its batch, settled by the batch's runner with its own outcome. */
export interface Waiting<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * The queue behind group commits (group-commit.ts) and batched gateway requests
 * (../http-sms/batcher.ts): items asked for while earlier batches are under way go together in the
 * next batch, up to `maxBatch` a batch and `concurrency` batches at a time. No timer: an item asked
 * for alone goes at once, and under load many share one batch. `run` settles every item of its
 * batch; what it does when a batch fails is the caller's (split and repeat, or fail them all).
 */
export function coalesce<I, O>(run: (batch: Array<Waiting<I, O>>) => Promise<void>, o: { maxBatch: number; concurrency: number }): (item: I) => Promise<O> {
  const queue: Array<Waiting<I, O>> = [];
  let running = 0;

  const done = (): void => {
    running--;
    next();
  };
  const next = (): void => {
    while (running < o.concurrency && queue.length > 0) {
      running++;
      const batch = queue.splice(0, o.maxBatch);
      // The next batch starts in the same tick as the last one ends. A runner that throws must not
      // leave its items waiting for ever (those it settled ignore the rejection).
      run(batch).then(done, (err: unknown) => {
        for (const w of batch) w.reject(err);
        done();
      });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      next();
    });
}

/**
 * Sends that arrive while earlier requests are under way go together in the next request, up to
 * `maxBatch` a request and `concurrency` requests at a time: under load N messages share one
 * request, while a message alone goes at once. Unlike a group commit, a failed request is never
 * split and repeated message by message (the gateway may have taken them): `send` must resolve
 * with one outcome per item, and rejecting rejects every item of the batch.
 */
export function batcher<I, O>(send: (items: I[]) => Promise<O[]>, o: { maxBatch: number; concurrency: number }): (item: I) => Promise<O> {
  interface Waiting {
    item: I;
    resolve: (out: O) => void;
    reject: (err: unknown) => void;
  }
  const queue: Waiting[] = [];
  let running = 0;

  const run = async (batch: Waiting[]): Promise<void> => {
    try {
      const outs = await send(batch.map((w) => w.item));
      batch.forEach((w, i) => (i < outs.length ? w.resolve(outs[i] as O) : w.reject(new Error('no outcome for this item'))));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  };

  const next = (): void => {
    while (running < o.concurrency && queue.length > 0) {
      running++;
      void run(queue.splice(0, o.maxBatch)).finally(() => {
        running--;
        next();
      });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      next();
    });
}

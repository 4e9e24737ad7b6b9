import { coalesce } from '../outbox/coalesce.js';

/**
 * Sends that arrive while earlier requests are under way go together in the next request, up to
 * `maxBatch` a request and `concurrency` requests at a time: under load N messages share one
 * request, while a message alone goes at once (the queue of a group commit, ../outbox/coalesce.ts).
 * Unlike a group commit, a failed request is never split and repeated message by message (the
 * gateway may have taken them): `send` must resolve with one outcome per item, and rejecting
 * rejects every item of the batch.
 */
export function batcher<I, O>(send: (items: I[]) => Promise<O[]>, o: { maxBatch: number; concurrency: number }): (item: I) => Promise<O> {
  return coalesce<I, O>(async (batch) => {
    try {
      const outs = await send(batch.map((w) => w.item));
      batch.forEach((w, i) => (i < outs.length ? w.resolve(outs[i] as O) : w.reject(new Error('no outcome for this item'))));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }, o);
}

import { coalesce, type Waiting } from './coalesce.js';

/**
 * Group commit: records asked for while earlier ones are being written go together in the next
 * write, so under load many messages share one statement and one commit (a commit waits for the
 * disk), while a record asked for alone is written at once. At most `concurrency` writes run at a
 * time. `write` returns one result per item, in order. When a shared write fails, each of its
 * items is written alone, so one bad item cannot fail the others; with `inOrder`, one after the
 * other in the order they were asked for. With concurrency 1 and `inOrder`, what is committed at
 * any moment is then exactly what had been asked for up to some moment.
 */
export function groupCommit<I, O>(write: (items: I[]) => Promise<O[]>, o: { maxBatch: number; concurrency: number; inOrder?: boolean }): (item: I) => Promise<O> {
  const writeOne = async (w: Waiting<I, O>): Promise<void> => {
    try {
      const [out] = await write([w.item]);
      w.resolve(out as O);
    } catch (err) {
      w.reject(err);
    }
  };

  const writeBatch = async (batch: Array<Waiting<I, O>>): Promise<void> => {
    if (batch.length === 1) return writeOne(batch[0] as Waiting<I, O>);
    let outs: O[];
    try {
      outs = await write(batch.map((w) => w.item));
    } catch {
      if (o.inOrder === true) for (const w of batch) await writeOne(w);
      else await Promise.all(batch.map(writeOne));
      return;
    }
    batch.forEach((w, i) => w.resolve(outs[i] as O));
  };

  return coalesce(writeBatch, o);
}

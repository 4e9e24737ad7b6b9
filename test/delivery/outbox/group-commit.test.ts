import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { groupCommit } from '../../../src/delivery/outbox/group-commit.js';

test('a record asked for alone is written at once, by itself', async () => {
  const writes: number[][] = [];
  const add = groupCommit(async (items: number[]) => {
    writes.push(items);
    return items.map((i) => i * 10);
  }, { maxBatch: 100, concurrency: 2 });
  assert.equal(await add(1), 10);
  assert.equal(await add(2), 20);
  assert.deepEqual(writes, [[1], [2]]);
});

test('records asked for during writes share the next ones: never more than maxBatch, nor more than `concurrency` writes at once', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(5), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), async (gaps, maxBatch, concurrency) => {
      const writes: number[][] = [];
      let running = 0;
      let peak = 0;
      const add = groupCommit(async (items: number[]) => {
        writes.push(items);
        peak = Math.max(peak, ++running);
        await sleep(2);
        running--;
        return items.map((i) => -i);
      }, { maxBatch, concurrency });
      const results: Array<Promise<number>> = [];
      for (const [i, gap] of gaps.entries()) {
        results.push(add(i));
        if (gap > 3) await sleep(1);
      }
      assert.deepEqual(await Promise.all(results), gaps.map((_, i) => -i));
      assert.deepEqual(writes.flat().sort((a, b) => a - b), gaps.map((_, i) => i), 'each record written once');
      assert.ok(writes.every((w) => w.length >= 1 && w.length <= maxBatch));
      assert.ok(peak <= concurrency, `peak ${peak} writes at once`);
      // Asked for all at once: the first `concurrency` go alone, the next ones wait and go together.
      if (maxBatch > 1 && gaps.length >= concurrency + 2 && gaps.every((g) => g <= 3)) assert.ok(writes.some((w) => w.length > 1), 'a burst is grouped');
    }),
    { numRuns: 40 },
  );
});

test('when a shared write fails, each of its records is written alone: one bad record fails only itself', async () => {
  const writes: string[][] = [];
  const add = groupCommit(async (items: string[]) => {
    writes.push(items);
    await sleep(5);
    if (items.includes('bad')) throw new Error('constraint violated');
    return items.map((i) => i.toUpperCase());
  }, { maxBatch: 10, concurrency: 1 });
  const first = add('a');
  const rest = ['b', 'bad', 'c'].map((x) => add(x).then((v) => ({ ok: v }), (e: Error) => ({ err: e.message })));
  assert.equal(await first, 'A');
  assert.deepEqual(await Promise.all(rest), [{ ok: 'B' }, { err: 'constraint violated' }, { ok: 'C' }]);
  assert.deepEqual(writes, [['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
});

test('inOrder, one write at a time: records are committed in the order asked for, also when a shared write fails', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(5), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 39 }), async (gaps, maxBatch, bad) => {
      const committed: number[] = [];
      const writes: number[][] = [];
      const add = groupCommit(async (items: number[]) => {
        writes.push(items);
        await sleep(items.length % 3);
        if (items.includes(bad)) throw new Error('constraint violated');
        committed.push(...items);
        return items.map((i) => -i);
      }, { maxBatch, concurrency: 1, inOrder: true });
      const results: Array<Promise<number | string>> = [];
      for (const [i, gap] of gaps.entries()) {
        results.push(add(i).catch((e: Error) => e.message));
        if (gap > 3) await sleep(1);
      }
      const expected = gaps.map((_, i) => (i === bad ? 'constraint violated' : -i));
      assert.deepEqual(await Promise.all(results), expected);
      // At every moment, what is committed is a prefix of what was asked for (the bad one aside).
      assert.deepEqual(committed, gaps.map((_, i) => i).filter((i) => i !== bad));
    }),
    { numRuns: 40 },
  );
});

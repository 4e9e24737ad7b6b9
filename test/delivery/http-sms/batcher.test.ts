import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { batcher } from '../../../src/delivery/http-sms/batcher.js';
import { coalesce } from '../../../src/delivery/outbox/coalesce.js';

// The gateway batcher shares the group commit's queue (outbox/coalesce.ts) but not its failure
// handling: a failed request is never repeated message by message.

test('a message alone goes at once; those sent during a request share the next one, up to maxBatch', async () => {
  const requests: number[][] = [];
  const send = batcher(async (items: number[]) => {
    requests.push(items);
    await sleep(5);
    return items.map((i) => i * 2);
  }, { maxBatch: 3, concurrency: 1 });
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5, 6].map(send)), [2, 4, 6, 8, 10, 12]);
  assert.deepEqual(requests, [[1], [2, 3, 4], [5, 6]]);
});

test('a failed request fails every message of it, once: never split and repeated', async () => {
  const requests: string[][] = [];
  const send = batcher(async (items: string[]) => {
    requests.push(items);
    await sleep(2);
    if (items.length > 1) throw new Error('gateway gone');
    return items;
  }, { maxBatch: 10, concurrency: 1 });
  const all = ['a', 'b', 'c'].map((x) => send(x).then((v) => v, (e: Error) => e.message));
  assert.deepEqual(await Promise.all(all), ['a', 'gateway gone', 'gateway gone']);
  assert.deepEqual(requests, [['a'], ['b', 'c']]);
});

test('an answer with fewer outcomes than messages fails the ones without', async () => {
  const send = batcher(async (items: string[]) => (items.length > 1 ? items.slice(0, 1) : items), { maxBatch: 10, concurrency: 1 });
  const all = ['a', 'b', 'c'].map((x) => send(x).then((v) => v, (e: Error) => e.message));
  assert.deepEqual(await Promise.all(all), ['a', 'b', 'no outcome for this item']);
});

test('a batch runner that throws fails its unsettled items and the queue goes on', async () => {
  let calls = 0;
  const add = coalesce<number, number>(async (batch) => {
    if (++calls === 1) throw new Error('runner bug');
    for (const w of batch) w.resolve(w.item);
  }, { maxBatch: 5, concurrency: 1 });
  const first = add(1).catch((e: Error) => e.message);
  assert.equal(await first, 'runner bug');
  assert.equal(await add(2), 2);
});

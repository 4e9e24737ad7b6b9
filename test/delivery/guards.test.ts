import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend } from '../support/db.js';
import { enqueue, type NewMessage } from '../../src/delivery/outbox/enqueue.js';
import { batchGuard, whyNotWantedMany, type Guard } from '../../src/delivery/guards.js';
import type { OutboxMessage } from '../../src/delivery/outbox/message.js';
import { noticeGuard } from '../../src/dunning/stop-notices.js';
import { clock, drain, messageById, resetData, seedCustomer, testChannel, testConfig } from './outbox/fixtures.js';

const notice = (key: string, to: string, extra: Partial<NewMessage>): NewMessage => ({ businessKey: key, kind: 'overdue_reminder', channel: 'sms', recipient: to, body: 'Просрочена сметка', ...extra });

describeEachBackend('guards asked for many messages at once', (get) => {
  beforeEach(() => resetData(get().db));

  test('the worker asks a batched guard once for many messages, and cancels only the unwanted ones of the batch', async () => {
    const { db } = get();
    const t = clock();
    const c = await seedCustomer(db, 1);
    const held = await seedCustomer(db, 2);
    await db.insertInto('invoices').values([
      { invoice_number: 'I-1', customer_number: c.customerNumber, issue_date: '2030-01-01', due_date: '2030-01-21', amount_minor: 5000, currency: 'EUR' },
      { invoice_number: 'I-2', customer_number: c.customerNumber, issue_date: '2030-02-01', due_date: '2030-02-21', amount_minor: 5000, currency: 'EUR' },
      { invoice_number: 'I-3', customer_number: c.customerNumber, issue_date: '2030-02-01', due_date: '2030-02-21', amount_minor: 5000, currency: 'EUR' },
      { invoice_number: 'I-4', customer_number: held.customerNumber, issue_date: '2030-02-01', due_date: '2030-02-21', amount_minor: 5000, currency: 'EUR' },
    ]).execute();
    const payload = (invoice: string) => ({ invoices: [invoice], min_eur_minor: 1000 });
    const base = { customerNumber: c.customerNumber, subscriptionId: c.smsId };
    const wanted: number[] = [];
    for (let i = 0; i < 12; i++) wanted.push((await enqueue(db, notice(`b:unpaid:${i}`, c.phone, { ...base, payload: payload('I-1') }))).id);
    const paid = await enqueue(db, notice('b:paid', c.phone, { ...base, payload: payload('I-2') }));
    const mostly = await enqueue(db, notice('b:mostly', c.phone, { ...base, payload: payload('I-3') }));
    const onHold = await enqueue(db, notice('b:hold', held.phone, { customerNumber: held.customerNumber, subscriptionId: held.smsId, payload: payload('I-4') }));
    const moved = await enqueue(db, notice('b:moved', '+359888999999', { ...base, payload: payload('I-1') }));
    // After they were queued: a payment in full, one leaving less than the minimum, a hold.
    await db.updateTable('invoices').set({ paid_eur_minor: 5000 }).where('invoice_number', '=', 'I-2').execute();
    await db.updateTable('invoices').set({ paid_eur_minor: 4500 }).where('invoice_number', '=', 'I-3').execute();
    await db.insertInto('dunning_holds').values({ customer_number: held.customerNumber, reason: 'dispute', until: '2999-12-31', created_by: 'test' }).execute();

    const asked: number[] = [];
    const counting: Guard = batchGuard(async (gdb, msgs) => {
      asked.push(msgs.length);
      return (noticeGuard.batch ?? (() => Promise.resolve(new Map<number, string>())))(gdb, msgs);
    });
    const ch = testChannel('sms');
    await drain({ db, channels: [ch], now: t.now, guards: { overdue_reminder: counting }, config: testConfig({ pacing: { 'test-sms': { ratePerSecond: 100_000, window: 4 } } }) });

    assert.deepEqual(ch.sends.map((m) => m.id).sort((a, b) => a - b), wanted);
    const states = await Promise.all([paid, mostly, onHold, moved].map(async (x) => {
      const m = await messageById(db, x.id);
      return [m.status, m.cancel_reason, m.attempts];
    }));
    assert.deepEqual(states, [
      ['cancelled', 'invoices paid', 0],
      ['cancelled', 'paid: the rest is below the minimum', 0],
      ['cancelled', 'hold: dispute', 0],
      ['cancelled', 'subscription address changed', 0],
    ]);
    // 16 messages claimed together: asked about in a few groups, not one by one.
    assert.equal(asked.reduce((a, b) => a + b, 0) >= 16, true);
    assert.ok(asked.length < 16 && Math.max(...asked) > 1, `guard calls ${JSON.stringify(asked)}`);
  });

  test('whyNotWantedMany: the subscription check first, batched and per-message guards side by side', async () => {
    const { db } = get();
    const c = await seedCustomer(db, 3);
    const msg = (id: number, kind: string, extra: Partial<OutboxMessage> = {}): OutboxMessage =>
      ({ id, kind, channel: 'sms', recipient: c.phone, subscriptionId: c.smsId, payload: {}, ...extra }) as OutboxMessage;
    const batchCalls: number[][] = [];
    const singleCalls: number[] = [];
    const map = {
      batched: batchGuard(async (_db, msgs) => {
        batchCalls.push(msgs.map((m) => m.id));
        return new Map(msgs.filter((m) => m.id % 2 === 0).map((m) => [m.id, 'even']));
      }),
      single: (async (_db, m) => {
        singleCalls.push(m.id);
        return m.id === 5 ? 'five' : null;
      }) as Guard,
    };
    const msgs = [msg(1, 'batched'), msg(2, 'batched'), msg(3, 'batched', { recipient: '+359888000999' }), msg(4, 'batched', { subscriptionId: -1 }), msg(5, 'single'), msg(6, 'single'), msg(7, 'other')];
    const reasons = await whyNotWantedMany(db, msgs, map);
    assert.deepEqual(Object.fromEntries(reasons), { 2: 'even', 3: 'subscription address changed', 4: 'subscription ended', 5: 'five' });
    assert.deepEqual(batchCalls, [[1, 2, 3, 4]]);
    assert.deepEqual(singleCalls.sort(), [5, 6]);
    // The single form of a batched guard answers for one message.
    assert.equal(await map.batched(db, msg(8, 'batched')), 'even');
    assert.equal(await map.batched(db, msg(9, 'batched')), null);
  });
});

import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend } from '../../support/db.js';
import { enqueue } from '../../../src/delivery/outbox/enqueue.js';
import { linkWaitingReceipts, recordReceipt, recordReceipts, type ReceiptInput } from '../../../src/delivery/outbox/receipts.js';
import type { FailureContext } from '../../../src/delivery/outbox/fallback.js';
import { byKey, clock, drain, messageById, render, resetData, seedCustomer, testChannel, type Seeded } from './fixtures.js';

const ctx: FailureContext = { render, hardFailureThreshold: 3 };
const receivedAt = new Date('2030-03-12T08:05:00Z');
const receipt = (providerMessageId: string, status: string, extra: Partial<ReceiptInput> = {}): ReceiptInput => ({
  provider: 'test-sms',
  providerMessageId,
  status,
  receivedAt,
  raw: `id:${providerMessageId} sub:001 dlvrd:001 stat:${status} err:000`,
  ...extra,
});

describeEachBackend('delivery receipts', (get) => {
  let c: Seeded;
  beforeEach(async () => {
    await resetData(get().db);
    c = await seedCustomer(get().db, 1);
  });

  /** One SMS sent through the worker, the provider answering with these ids. */
  async function sent(key: string, ids: string[]): Promise<number> {
    const { db } = get();
    const { id } = await enqueue(db, { businessKey: key, kind: 'overdue_reminder', channel: 'sms', recipient: c.phone, customerNumber: c.customerNumber, subscriptionId: c.smsId, body: 'Сметка', fallback: ['email'] });
    await drain({ db, channels: [testChannel('sms', () => ({ providerMessageIds: ids }))], now: clock().now });
    assert.equal((await messageById(db, id)).status, 'sent');
    return id;
  }

  test('a DELIVRD receipt is matched by provider id and marks the message delivered', async () => {
    const { db } = get();
    const id = await sent('d:1', ['m-1']);
    assert.deepEqual(await recordReceipt(db, receipt('m-1', 'delivrd'), ctx), { duplicate: false, messageId: id, status: 'delivered' });
    const m = await messageById(db, id);
    assert.deepEqual([m.status, m.delivered_at?.toISOString(), m.final_at?.toISOString()], ['delivered', receivedAt.toISOString(), receivedAt.toISOString()]);
    const stored = await db.selectFrom('delivery_receipts').selectAll().execute();
    assert.deepEqual(stored.map((r) => [r.provider_message_id, r.status, r.message_id, r.raw]), [['m-1', 'DELIVRD', id, 'id:m-1 sub:001 dlvrd:001 stat:delivrd err:000']]);
  });

  test('multi-part SMS: delivered when every part is; a duplicate receipt changes nothing', async () => {
    const { db } = get();
    const id = await sent('d:2', ['p-1', 'p-2']);
    assert.equal((await recordReceipt(db, receipt('p-1', 'DELIVRD'), ctx)).status, 'sent');
    assert.deepEqual(await recordReceipt(db, receipt('p-1', 'DELIVRD', { receivedAt: new Date('2030-03-12T09:00:00Z') }), ctx), { duplicate: true, messageId: null, status: null });
    assert.equal((await messageById(db, id)).status, 'sent');
    assert.equal((await recordReceipt(db, receipt('p-2', 'DELIVRD'), ctx)).status, 'delivered');
    const again = await recordReceipt(db, receipt('p-2', 'DELIVRD', { receivedAt: new Date('2030-03-12T10:00:00Z') }), ctx);
    assert.equal(again.duplicate, true);
    const m = await messageById(db, id);
    assert.deepEqual([m.status, m.delivered_at?.toISOString()], ['delivered', receivedAt.toISOString()]);
    assert.equal((await db.selectFrom('delivery_receipts').select('id').execute()).length, 2);
  });

  test('a failed part fails the message, counts against the contact and hands over to the fallback', async () => {
    const { db } = get();
    const id = await sent('d:3', ['f-1', 'f-2']);
    await recordReceipt(db, receipt('f-1', 'DELIVRD'), ctx);
    assert.equal((await recordReceipt(db, receipt('f-2', 'UNDELIV', { error: '001' }), ctx)).status, 'failed');
    const m = await messageById(db, id);
    assert.deepEqual([m.status, m.last_error], ['failed', 'receipt UNDELIV (001)']);
    const email = await byKey(db, 'd:3:email');
    assert.deepEqual([email?.status, email?.parent_id, email?.recipient], ['queued', id, c.email]);
    const sub = await db.selectFrom('subscriptions').select('hard_failures').where('id', '=', c.smsId ?? -1).executeTakeFirstOrThrow();
    assert.equal(sub.hard_failures, 1);
    // A late DELIVRD for the failed part does not bring it back.
    await recordReceipt(db, receipt('f-2', 'DELIVRD'), ctx);
    assert.equal((await messageById(db, id)).status, 'failed');
  });

  test('EXPIRED fails the message without blaming the contact; ENROUTE changes nothing', async () => {
    const { db } = get();
    const id = await sent('d:4', ['x-1']);
    assert.equal((await recordReceipt(db, receipt('x-1', 'ENROUTE'), ctx)).status, 'sent');
    assert.equal((await recordReceipt(db, receipt('x-1', 'EXPIRED'), ctx)).status, 'failed');
    const sub = await db.selectFrom('subscriptions').select('hard_failures').where('id', '=', c.smsId ?? -1).executeTakeFirstOrThrow();
    assert.equal(sub.hard_failures, 0);
    assert.equal((await byKey(db, 'd:4:email'))?.parent_id, id);
  });

  test('a receipt that arrives before the send result is kept and applied when the send is recorded', async () => {
    const { db } = get();
    const { id } = await enqueue(db, { businessKey: 'd:5', kind: 'overdue_reminder', channel: 'sms', recipient: c.phone, body: 'Сметка' });
    const early: unknown[] = [];
    // As an SMSC may do: deliver_sm with the receipt before submit_sm_resp.
    const ch = testChannel('sms', async (msg) => {
      early.push(await recordReceipt(db, receipt(`e-${msg.id}`, 'DELIVRD'), ctx));
      return { providerMessageIds: [`e-${msg.id}`] };
    });
    await drain({ db, channels: [ch], now: clock().now });
    assert.deepEqual(early, [{ duplicate: false, messageId: null, status: null }]);
    const m = await messageById(db, id);
    assert.deepEqual([m.status, m.delivered_at?.toISOString()], ['delivered', receivedAt.toISOString()]);
    const r = await db.selectFrom('delivery_receipts').select(['message_id']).executeTakeFirstOrThrow();
    assert.equal(r.message_id, id);
  });

  test('a receipt naming the outbox id (an email bounce by VERP) is matched by it', async () => {
    const { db } = get();
    const { id } = await enqueue(db, { businessKey: 'd:6', kind: 'overdue_reminder', channel: 'email', recipient: c.email, customerNumber: c.customerNumber, subscriptionId: c.emailId, subject: 's', body: 'b', fallback: ['letter'] });
    await drain({ db, channels: [testChannel('email', () => ({ providerMessageIds: ['<d-6@izvestie.example>'] }))], now: clock().now });
    const r = await recordReceipt(db, { provider: 'smtp', providerMessageId: '<d-6@izvestie.example>', status: 'UNDELIV', error: '5.1.1', messageId: id }, ctx);
    assert.deepEqual(r, { duplicate: false, messageId: id, status: 'failed' });
    assert.equal((await byKey(db, 'd:6:letter'))?.parent_id, id);
    const sub = await db.selectFrom('subscriptions').select('hard_failures').where('id', '=', c.emailId ?? -1).executeTakeFirstOrThrow();
    assert.equal(sub.hard_failures, 1);
  });

  test('a receipt for an id nobody sent is stored unmatched', async () => {
    const { db } = get();
    assert.deepEqual(await recordReceipt(db, receipt('nobody', 'DELIVRD'), ctx), { duplicate: false, messageId: null, status: null });
    const r = await db.selectFrom('delivery_receipts').select(['message_id', 'status']).executeTakeFirstOrThrow();
    assert.deepEqual(r, { message_id: null, status: 'DELIVRD' });
  });

  test('a group of receipts: one transaction, each result as if recorded alone', async () => {
    const { db } = get();
    const one = await sent('g:1', ['g1-1', 'g1-2']);
    const two = await sent('g:2', ['g2-1']);
    const three = await sent('g:3', ['g3-1']);
    await recordReceipt(db, receipt('g3-1', 'ENROUTE'), ctx);
    const results = await recordReceipts(
      db,
      [
        receipt('g1-1', 'DELIVRD'),
        receipt('g1-2', 'delivrd'),
        receipt('g1-2', 'DELIVRD'), // the same receipt twice in one group
        receipt('g2-1', 'UNDELIV', { error: '011' }),
        receipt('g3-1', 'ENROUTE'), // stored before
        receipt('nobody-1', 'DELIVRD'),
      ],
      ctx,
    );
    assert.deepEqual(results, [
      { duplicate: false, messageId: one, status: 'delivered' },
      { duplicate: false, messageId: one, status: 'delivered' },
      { duplicate: true, messageId: null, status: null },
      { duplicate: false, messageId: two, status: 'failed' },
      { duplicate: true, messageId: null, status: null },
      { duplicate: false, messageId: null, status: null },
    ]);
    assert.deepEqual([(await messageById(db, one)).status, (await messageById(db, three)).status], ['delivered', 'sent']);
    assert.deepEqual([(await messageById(db, two)).last_error, (await byKey(db, 'g:2:email'))?.parent_id], ['receipt UNDELIV (011)', two]);
    assert.equal((await db.selectFrom('delivery_receipts').select('id').execute()).length, 5);
  });

  test('a group with a bad receipt fails as a whole and stores nothing', async () => {
    const { db } = get();
    const id = await sent('b:1', ['b-1']);
    await assert.rejects(recordReceipts(db, [receipt('b-1', 'DELIVRD'), receipt('', 'DELIVRD')], ctx));
    assert.deepEqual([(await messageById(db, id)).status, (await db.selectFrom('delivery_receipts').select('id').execute()).length], ['sent', 0]);
  });

  test('the parts of one message receipted in two groups at the same time: the second to commit settles it', async () => {
    const { db } = get();
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(await sent(`c:${i}`, [`c${i}-1`, `c${i}-2`]));
    await Promise.all([
      recordReceipts(db, ids.map((_, i) => receipt(`c${i}-1`, 'DELIVRD')), ctx),
      recordReceipts(db, ids.map((_, i) => receipt(`c${i}-2`, 'DELIVRD')).reverse(), ctx),
    ]);
    for (const id of ids) assert.equal((await messageById(db, id)).status, 'delivered');
  });

  test('the sweep links a receipt left waiting for a message that was recorded after all, and settles it', async () => {
    const { db } = get();
    const id = await sent('w:1', ['w-1', 'w-2']);
    await recordReceipt(db, receipt('w-1', 'DELIVRD'), ctx);
    // As an older version could leave it after a crash: stored, the send recorded, never linked.
    await db.insertInto('delivery_receipts').values({ provider: 'test-sms', provider_message_id: 'w-2', status: 'DELIVRD', received_at: receivedAt }).execute();
    await db.insertInto('delivery_receipts').values({ provider: 'test-sms', provider_message_id: 'w-unknown', status: 'DELIVRD', received_at: receivedAt }).execute();
    assert.equal((await messageById(db, id)).status, 'sent');
    assert.equal(await linkWaitingReceipts(db, ctx), 1);
    assert.equal((await messageById(db, id)).status, 'delivered');
    assert.equal(await linkWaitingReceipts(db, ctx), 0, 'nothing left to link; the unknown id stays waiting');
  });
});

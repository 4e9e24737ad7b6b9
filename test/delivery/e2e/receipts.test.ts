import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../src/db/schema.js';
import { enqueue, enqueueMany } from '../../../src/delivery/outbox/enqueue.js';
import type { Worker } from '../../../src/delivery/worker.js';
import { describeEachBackend } from '../../support/db.js';
import { TEXT_KIND, e2eWorker, seedOverdue, until } from '../../support/delivery-e2e.js';
import { startSmsc, type Smsc, type SmscBehaviour } from '../../support/smsc.js';
import { startSmtpSink } from '../../support/smtp-sink.js';
import { byKey, messageById, resetData } from '../outbox/fixtures.js';

// Delivery receipts (deliver_sm) from the SMSC simulator through the configured SMPP channel into
// the outbox: in order, before the submit_sm_resp, twice, and failed.

// 80 Cyrillic characters: two UCS-2 parts, so two SMSC ids and two receipts per message.
const twoParts = (i: number) => `Имате неплатени сметки за ток по клиентски номер ******${String(i).padStart(4, '0')}. Моля, платете ги.`;
const notices = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ businessKey: `${prefix}:${i}`, kind: TEXT_KIND, channel: 'sms' as const, recipient: `+35988800${String(i).padStart(4, '0')}`, body: twoParts(i) }));

async function statuses(db: Kysely<DB>): Promise<Record<string, number>> {
  const r = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM outbox_messages GROUP BY status`.execute(db);
  return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
}

async function receipts(db: Kysely<DB>) {
  return db.selectFrom('delivery_receipts').select(['provider', 'provider_message_id', 'status', 'message_id']).orderBy('id').execute();
}

describeEachBackend('SMPP delivery receipts', (get) => {
  let smsc: Smsc;
  let worker: Worker | undefined;
  beforeEach(() => resetData(get().db));
  afterEach(async () => {
    await worker?.stop();
    await smsc.stop();
  });
  const start = async (behaviour: Partial<SmscBehaviour>, env: Record<string, string> = {}) => {
    smsc = await startSmsc(behaviour);
    worker = await e2eWorker(get(), { SMPP_URL: smsc.url, ...env });
    await worker.start();
  };

  test('a receipt per part after the response: the message ends delivered, each receipt stored and acknowledged', async () => {
    const { db } = get();
    await start({ receipts: 'after' });
    const [notice] = notices('after', 1);
    assert.ok(notice);
    const { id } = await enqueue(db, notice);
    await until(async () => (await messageById(db, id)).status === 'delivered', 20_000, 'the message delivered');
    const m = await messageById(db, id);
    assert.equal(smsc.submitted.length, 2);
    assert.deepEqual(m.provider_message_ids, smsc.submitted.map((s) => s.messageId));
    // Stored concurrently, each in its own transaction: compared in id order.
    assert.deepEqual(
      (await receipts(db)).map((r) => [r.provider, r.provider_message_id, r.status, r.message_id]).sort(),
      smsc.submitted.map((s) => ['smpp', s.messageId, 'DELIVRD', id]).sort(),
    );
    assert.ok(m.delivered_at && m.final_at && m.sent_at);
    await until(() => smsc.deliverSmAcks === 2, 5000, 'deliver_sm_resp for both receipts');
  });

  test('receipts that come before the submit_sm_resp are kept and applied when the send is recorded', async () => {
    const { db } = get();
    // Text only, no TLVs: the id comes from "id:" in the receipt text.
    await start({ receipts: 'before-resp', receiptTlv: false });
    await enqueueMany(db, notices('early', 20));
    await until(async () => (await statuses(db)).delivered === 20, 30_000, 'every message delivered');
    const all = await receipts(db);
    assert.equal(all.length, 40);
    assert.ok(all.every((r) => r.message_id !== null && r.status === 'DELIVRD'));
    // Each receipt belongs to the message whose parts it names.
    for (const r of all) {
      const m = await messageById(db, r.message_id ?? -1);
      assert.ok(m.provider_message_ids.includes(r.provider_message_id));
    }
  });

  test('a receipt that comes twice is stored once and changes nothing', async () => {
    const { db } = get();
    await start({ receipts: 'twice' });
    await enqueueMany(db, notices('twice', 5));
    await until(async () => (await statuses(db)).delivered === 5, 30_000, 'every message delivered');
    await until(() => smsc.deliverSmAcks === 20, 5000, 'every receipt acknowledged, repeats too');
    const all = await receipts(db);
    assert.equal(all.length, 10, 'one row per part and status');
    assert.equal(new Set(all.map((r) => r.provider_message_id)).size, 10);
    assert.deepEqual(await statuses(db), { delivered: 5 });
  });

  test('an UNDELIV receipt fails the SMS, counts a hard failure and hands the notice over to email', async () => {
    const { db } = get();
    const sink = await startSmtpSink();
    try {
      const c = await seedOverdue(db, 9);
      await start({ receipts: 'after', receiptStat: 'UNDELIV' }, { SMTP_URL: sink.url });
      const { id } = await enqueue(db, { businessKey: 'undeliv:9', kind: 'overdue_reminder', channel: 'sms', recipient: c.phone, customerNumber: c.customerNumber, subscriptionId: c.smsId, fallback: ['email'], payload: c.payload });
      const [mail] = await sink.waitForMessages(1, 20_000);
      const sms = await messageById(db, id);
      assert.deepEqual([sms.status, sms.sent_at !== null, sms.last_error], ['failed', true, 'receipt UNDELIV (000)']);
      assert.deepEqual(mail?.rcptTo, [c.email]);
      assert.match(mail?.parsed.text ?? '', /E2E-9/);
      assert.equal((await byKey(db, 'undeliv:9:email'))?.parent_id, id);
      const sub = await db.selectFrom('subscriptions').select('hard_failures').where('id', '=', c.smsId ?? -1).executeTakeFirstOrThrow();
      assert.equal(sub.hard_failures, 1);
    } finally {
      await worker?.stop();
      await sink.stop();
    }
  });
});

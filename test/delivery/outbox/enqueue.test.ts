import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachBackend } from '../../support/db.js';
import { enqueue, enqueueMany, type NewMessage } from '../../../src/delivery/outbox/enqueue.js';
import { listSandboxMessages, sandboxChannel } from '../../../src/delivery/channels/sandbox.js';
import { byKey, clock, drain, resetData, seedCustomer } from './fixtures.js';

const sms = (key: string, extra: Partial<NewMessage> = {}): NewMessage => ({ businessKey: key, kind: 'overdue_reminder', channel: 'sms', recipient: '+359888000001', body: 'Напомняне', ...extra });

describeEachBackend('outbox enqueue', (get) => {
  beforeEach(() => resetData(get().db));

  test('enqueue is idempotent by business key and fills the defaults', async () => {
    const { db } = get();
    const first = await enqueue(db, sms('overdue:1:2026-03-10'));
    const again = await enqueue(db, sms('overdue:1:2026-03-10', { body: 'друг текст' }));
    assert.equal(first.created, true);
    assert.deepEqual(again, { created: false, id: first.id });
    const rows = await db.selectFrom('outbox_messages').selectAll().execute();
    assert.equal(rows.length, 1);
    const m = rows[0];
    assert.ok(m);
    assert.deepEqual(
      [m.status, m.body, m.lang, m.fallback, m.payload, m.attempts, m.provider_message_ids, m.urgent, m.parent_id],
      ['queued', 'Напомняне', 'bg', [], {}, 0, [], false, null],
    );
  });

  test('a message exists only if the decision behind it was committed', async () => {
    const { db } = get();
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        await enqueue(tx, sms('overdue:rolled-back'));
        throw new Error('the decision failed after the message was written');
      }),
      /decision failed/,
    );
    assert.equal(await byKey(db, 'overdue:rolled-back'), undefined);
    await db.transaction().execute((tx) => enqueue(tx, sms('overdue:committed')));
    assert.ok(await byKey(db, 'overdue:committed'));
  });

  test('enqueueMany: one set-based insert, skipping keys that exist and repeats within the batch', async () => {
    const { db } = get();
    const c = await seedCustomer(db, 1);
    await enqueue(db, sms('k:existing'));
    const notBefore = new Date('2026-03-11T07:00:00Z');
    const created = await enqueueMany(db, [
      sms('k:existing'),
      sms('k:a', { customerNumber: c.customerNumber, subscriptionId: c.smsId, fallback: ['email', 'letter'], payload: { invoices: ['5000000001'], min_eur_minor: 1000 }, notBefore }),
      sms('k:a'),
      { businessKey: 'k:b', kind: 'subscription_confirmed', channel: 'email', recipient: c.email, lang: 'en', subject: 'Done', body: 'text', html: '<p>text</p>', urgent: true, expiresAt: notBefore },
    ]);
    assert.equal(created, 2);
    const a = await byKey(db, 'k:a');
    assert.deepEqual([a?.fallback, a?.payload, a?.not_before.toISOString(), a?.subscription_id], [['email', 'letter'], { invoices: ['5000000001'], min_eur_minor: 1000 }, notBefore.toISOString(), c.smsId]);
    const b = await byKey(db, 'k:b');
    assert.deepEqual([b?.lang, b?.subject, b?.html, b?.urgent, b?.expires_at?.toISOString(), b?.fallback], ['en', 'Done', '<p>text</p>', true, notBefore.toISOString(), []]);
  });

  test('enqueueMany over several statements, and again: nothing twice', async () => {
    const { db } = get();
    const rows = Array.from({ length: 12_000 }, (_, i) => sms(`bulk:${i}`));
    assert.equal(await enqueueMany(db, rows), 12_000);
    assert.equal(await enqueueMany(db, rows), 0);
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages`.execute(db);
    assert.equal(r.rows[0]?.n, 12_000);
  });

  test('constraints refuse malformed messages', async () => {
    const { db } = get();
    await assert.rejects(enqueue(db, sms('bad:channel', { channel: 'fax' as 'sms' })), /check constraint/);
    await assert.rejects(enqueue(db, sms('bad:fallback', { fallback: ['pigeon' as 'sms'] })), /check constraint/);
    await assert.rejects(enqueue(db, sms('')), /check constraint/);
    await assert.rejects(enqueue(db, sms('bad:customer', { customerNumber: '9999999999' })), /foreign key/);
    const { id } = await enqueue(db, sms('ok'));
    await assert.rejects(db.updateTable('outbox_messages').set({ status: 'sending' }).where('id', '=', id).execute(), /outbox_lease_iff_sending/);
    await assert.rejects(db.updateTable('outbox_messages').set({ status: 'cancelled' }).where('id', '=', id).execute(), /outbox_cancel_reason/);
  });

  test('the documented plain-SQL shape: INSERT ... SELECT with body NULL, rendered by the worker when sent', async () => {
    const { db } = get();
    for (let n = 1; n <= 3; n++) await seedCustomer(db, n);
    const insert = () => sql`
      INSERT INTO outbox_messages (business_key, kind, customer_number, subscription_id, channel, recipient, lang, fallback, payload)
      SELECT 'overdue:' || s.customer_number || ':2026-03-10', 'overdue_reminder', s.customer_number, s.id, s.channel, s.address, s.lang,
             ARRAY['email', 'letter'], jsonb_build_object('customer_name', c.name, 'total_eur', '12.30')
      FROM subscriptions s JOIN customers c USING (customer_number)
      WHERE s.channel = 'sms' AND s.status = 'active'
      ON CONFLICT (business_key) DO NOTHING`.execute(db);
    assert.equal(Number((await insert()).numAffectedRows), 3);
    assert.equal(Number((await insert()).numAffectedRows), 0);
    const t = clock();
    await drain({ db, channels: [sandboxChannel('sms')], now: t.now });
    const listed = await listSandboxMessages(db, { limit: 10 });
    assert.equal(listed.length, 3);
    for (const m of listed) {
      assert.equal(m.status, 'sent');
      assert.match(m.body ?? '', /^overdue_reminder sms bg \{"total_eur":"12.30","customer_name":"Клиент \d"\}$/);
      // Cyrillic forces UCS-2: 70 characters in one part, 67 in each of several.
      assert.deepEqual([m.encoding, m.segments, m.cost_minor], ['ucs2', 2, 10]);
    }
  });
});

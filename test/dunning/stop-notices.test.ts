import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type pg from 'pg';
import { describeEachBackend } from '../support/db.js';
import { clock, drain, testChannel } from '../delivery/outbox/fixtures.js';
import { DeliveryError } from '../../src/delivery/channels/types.js';
import { placeHold } from '../../src/dunning/holds.js';
import { cancelSettledNotices, noticeGuard, noticeGuards } from '../../src/dunning/stop-notices.js';
import { addCustomer, addInvoice, notices, pay, render, reset, run } from './fixtures.js';

const DUE = '2026-11-02';

describeEachBackend('stopping notices that are no longer due', (get) => {
  beforeEach(() => reset(get().db));

  async function fourCustomers() {
    const { db } = get();
    const cs: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const c = await addCustomer(db, i, { email: true });
      await addInvoice(db, c, `I-${i}`, DUE, 5000);
      cs.push(c);
    }
    await run(db, '2026-11-03');
    return cs as [string, string, string, string];
  }

  test('cancelSettledNotices: in the payment transaction, set-based; the rest after a partial payment decides', async () => {
    const { db, pool } = get();
    const [full, partHigh, partLow, other] = await fourCustomers();
    const inPayment = async (fn: (c: pg.PoolClient) => Promise<void>, commit: boolean) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await fn(client);
        await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      } finally {
        client.release();
      }
    };
    await inPayment(async (client) => {
      // What the payment paths do: allocate, then cancel for the customers the payments touched.
      await client.query(`UPDATE invoices SET paid_eur_minor = CASE invoice_number WHEN 'I-1' THEN 5000 WHEN 'I-2' THEN 4000 WHEN 'I-3' THEN 4700 END
                           WHERE invoice_number IN ('I-1', 'I-2', 'I-3')`);
      assert.equal(await cancelSettledNotices(client, 'SELECT unnest($1::text[])', [[full, partHigh, partLow]]), 2);
    }, false);
    // Rolled back with the payment: nothing changed.
    assert.ok((await notices(db)).every((m) => m.status === 'queued'));
    await inPayment(async (client) => {
      await client.query(`UPDATE invoices SET paid_eur_minor = CASE invoice_number WHEN 'I-1' THEN 5000 WHEN 'I-2' THEN 4000 WHEN 'I-3' THEN 4700 WHEN 'I-4' THEN 5000 END`);
      // Only the customers named are looked at (I-4 is paid too, but its customer is not in the list).
      assert.equal(await cancelSettledNotices(client, 'SELECT customer_number FROM customers WHERE customer_number <> $1', [other]), 2);
    }, true);
    const byCustomer = new Map((await notices(db)).map((m) => [m.customer_number, [m.status, m.cancel_reason]]));
    assert.deepEqual(byCustomer.get(full), ['cancelled', 'invoices paid']);
    assert.deepEqual(byCustomer.get(partHigh), ['queued', null]);
    assert.deepEqual(byCustomer.get(partLow), ['cancelled', 'paid: the rest is below the minimum']);
    assert.deepEqual(byCustomer.get(other), ['queued', null]);
  });

  test('a notice held for the run\'s approval is cancelled by a payment too, before anyone decides', async () => {
    const { db, pool } = get();
    const [paid, unpaid] = await fourCustomers();
    await db.updateTable('outbox_messages').set({ status: 'held' }).execute();
    const client = await pool.connect();
    try {
      await client.query(`UPDATE invoices SET paid_eur_minor = amount_eur_minor WHERE invoice_number = 'I-1'`);
      assert.equal(await cancelSettledNotices(client, 'SELECT unnest($1::text[])', [[paid, unpaid]]), 1);
    } finally {
      client.release();
    }
    const byCustomer = new Map((await notices(db)).map((m) => [m.customer_number, [m.status, m.cancel_reason]]));
    assert.deepEqual(byCustomer.get(paid), ['cancelled', 'invoices paid']);
    assert.deepEqual(byCustomer.get(unpaid), ['held', null]);
  });

  test('a message a worker has claimed is left to the guard, which stops it right before sending', async () => {
    const { db, pool } = get();
    const [full] = await fourCustomers();
    await db.updateTable('outbox_messages').set({ status: 'sending', leased_by: 'w1', lease_until: new Date(Date.now() + 60_000) }).where('customer_number', '=', full).execute();
    const client = await pool.connect();
    try {
      await client.query(`UPDATE invoices SET paid_eur_minor = 5000 WHERE invoice_number = 'I-1'`);
      assert.equal(await cancelSettledNotices(client, 'SELECT $1::text', [full]), 0);
    } finally {
      client.release();
    }
    const row = await db.selectFrom('outbox_messages').select('id').where('customer_number', '=', full).executeTakeFirstOrThrow();
    assert.equal(await noticeGuard(db, { id: row.id } as Parameters<typeof noticeGuard>[1]), 'invoices paid');
  });

  test('a notice that names no invoices (not made by the run) is judged by holds alone', async () => {
    const { db } = get();
    const [c] = await fourCustomers();
    const row = await db.selectFrom('outbox_messages').select('id').where('customer_number', '=', c).executeTakeFirstOrThrow();
    const asked = () => noticeGuard(db, { id: row.id } as Parameters<typeof noticeGuard>[1]);
    await sql`UPDATE outbox_messages SET payload = payload - 'invoices' WHERE id = ${row.id}`.execute(db);
    assert.equal(await asked(), null);
    await sql`UPDATE outbox_messages SET payload = jsonb_set(payload, '{invoices}', '"I-1"') WHERE id = ${row.id}`.execute(db);
    assert.equal(await asked(), null);
    await placeHold(db, { customerNumber: c, reason: 'complaint', until: '2099-01-01' }, 'test');
    assert.match((await asked()) ?? '', /^hold: complaint/);
  });

  test('a payment arriving between planning and sending: the worker cancels that notice and sends the others', async () => {
    const { db } = get();
    const [payer, , , stays] = await fourCustomers();
    await pay(db, payer, 'I-1', 5000, '2026-11-03T09:30:00Z');
    // A hold that starts after planning, written as the back office would but bypassing placeHold.
    await db.insertInto('dunning_holds').values({ customer_number: stays, reason: 'complaint', until: '2099-01-01', created_by: 'test' }).execute();
    const ch = testChannel('sms');
    const t = clock();
    await drain({ db, channels: [ch], now: t.now, render, guards: noticeGuards });
    assert.equal(ch.sends.length, 2);
    assert.ok(ch.sends.every((m) => /50,00 EUR/.test(m.body)));
    const states = new Map((await notices(db)).map((m) => [m.customer_number, [m.status, m.cancel_reason]]));
    assert.deepEqual(states.get(payer), ['cancelled', 'invoices paid']);
    assert.deepEqual(states.get(stays), ['cancelled', 'hold: complaint']);
    assert.equal(noticeGuards.overdue_final, noticeGuard);
  });

  test('placing a hold cancels the customer’s queued notices at once', async () => {
    const { db } = get();
    const [c] = await fourCustomers();
    const r = await placeHold(db, { customerNumber: c, reason: 'payment_plan', until: '2099-12-31' }, 'staff:ivana');
    assert.equal(r.cancelled, 1);
    const m = (await notices(db)).find((x) => x.customer_number === c);
    assert.deepEqual([m?.status, m?.cancel_reason], ['cancelled', 'hold: payment_plan']);
  });

  test('an SMS that fails for good falls back to email, rendered from the payload', async () => {
    const { db } = get();
    await fourCustomers();
    await sql`UPDATE outbox_messages SET status = 'cancelled', cancel_reason = 'test', final_at = now() WHERE customer_number <> '3000000001'`.execute(db);
    const sms = testChannel('sms', () => {
      throw new DeliveryError('unknown subscriber', { kind: 'permanent' });
    });
    const email = testChannel('email');
    await drain({ db, channels: [sms, email], now: clock().now, render, guards: noticeGuards });
    assert.equal(email.sends.length, 1);
    assert.match(email.sends[0]?.subject ?? '', /\*{6}0001/);
    assert.match(email.sends[0]?.body ?? '', /I-1/);
    // The notice's own payment page: the fallback email carries the same link as the SMS would have.
    assert.match(email.sends[0]?.html ?? '', /<a href="https:\/\/izvestia\.example\.bg\/p\/[A-Za-z0-9_-]{12}"/);
  });
});

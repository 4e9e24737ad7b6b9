import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/db.js';
import { migrate } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/log.js';

describeEachBackend('schema', (get) => {
  test('migrations are idempotent', async () => {
    assert.deepEqual(await migrate(get(), silentLogger), []);
  });

  // Migration 0029: a search of a GIN index with a pending list reads the whole list (every id sent
  // since the last VACUUM), so each receipt's look-up of its message grew with the day's sending.
  test("the receipts' index of provider ids has no pending list", async () => {
    const r = await sql<{ reloptions: string[] | null }>`SELECT reloptions FROM pg_class WHERE relname = 'outbox_provider_ids_idx'`.execute(get().db);
    assert.deepEqual(r.rows[0]?.reloptions, ['fastupdate=off']);
  });

  test('audit events are append-only', async () => {
    const { db } = get();
    await db.insertInto('audit_events').values({ actor: 'test', action: 'test.event', subject: 'x' }).execute();
    await assert.rejects(db.updateTable('audit_events').set({ actor: 'other' }).execute(), /append-only/);
    await assert.rejects(db.deleteFrom('audit_events').execute(), /append-only/);
  });

  test('leva convert to euro cents half up at 1.95583', async () => {
    const { db } = get();
    await db.insertInto('customers').values({ customer_number: '1000000001', name: 'Иван Петров', street: 'ул. "Шипка" 1', town: 'Варна', postcode: '9000', customer_class: 'household' }).execute();
    await db.insertInto('invoices').values([
      { invoice_number: 'A1', customer_number: '1000000001', issue_date: '2025-12-01', due_date: '2025-12-21', amount_minor: 195583, currency: 'BGN' },
      { invoice_number: 'A2', customer_number: '1000000001', issue_date: '2025-11-01', due_date: '2025-11-21', amount_minor: 1, currency: 'BGN' },
      { invoice_number: 'A3', customer_number: '1000000001', issue_date: '2026-01-05', due_date: '2026-01-25', amount_minor: 1234, currency: 'EUR' },
    ]).execute();
    const rows = await db.selectFrom('invoices').select(['invoice_number', 'amount_eur_minor']).orderBy('invoice_number').execute();
    assert.deepEqual(rows, [
      { invoice_number: 'A1', amount_eur_minor: 100000 },
      { invoice_number: 'A2', amount_eur_minor: 1 },
      { invoice_number: 'A3', amount_eur_minor: 1234 },
    ]);
  });

  test('constraints refuse bad rows', async () => {
    const { db } = get();
    await assert.rejects(
      db.insertInto('invoices').values({ invoice_number: 'B1', customer_number: '1000000001', issue_date: '2026-02-01', due_date: '2026-02-21', amount_minor: 100, currency: 'BGN' }).execute(),
      /invoice_currency_by_issue_date/,
    );
    await assert.rejects(
      db.insertInto('invoices').values({ invoice_number: 'B2', customer_number: '9999999999', issue_date: '2026-02-01', due_date: '2026-02-21', amount_minor: 100, currency: 'EUR' }).execute(),
      /foreign key/,
    );
    await assert.rejects(
      db.insertInto('customers').values({ customer_number: '12AB', name: 'x', street: '', town: 'Варна', postcode: '9000', customer_class: 'household' }).execute(),
      /customer_number_digits/,
    );
    await assert.rejects(
      db.insertInto('subscriptions').values({ customer_number: '1000000001', channel: 'sms', address: '0888123456', status: 'pending', source: 'online', consent_version: 'v1', consent_at: new Date() }).execute(),
      /subscription_address_format/,
    );
    const r = await sql<{ d: string }>`SELECT DATE '2026-03-29' AS d`.execute(db);
    assert.equal(r.rows[0]?.d, '2026-03-29');
  });
});

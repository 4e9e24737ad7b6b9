// Some months of activity for the dashboard, /metrics and the browser: customers, subscriptions by
// source, messages by channel and outcome with parts and cost, Viber with its SMS fallbacks, attempts
// with provider latency, a daily run whose notice was paid before the disconnection date, a queue,
// and contacts to fix.
import { sql } from 'kysely';
import type { Database } from '../../src/db/open.js';

export const ACTIVITY_CUSTOMER = '3000000501';

export async function seedActivity(database: Database, now = new Date()): Promise<void> {
  const db = database.db;
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000);
  await sql`INSERT INTO customers (customer_number, name, street, town, postcode, customer_class)
    SELECT (3000000500 + g)::text, 'Клиент Активен ' || g, 'ул. Дунав ' || g, 'Русе', '7000', 'household' FROM generate_series(1, 40) g`.execute(db);
  // Subscriptions verified over the last 8 months, online and at the centre; a few ended, two flagged.
  await sql`INSERT INTO subscriptions (customer_number, channel, address, status, verified_at, source, consent_version, consent_at, created_at, updated_at, needs_attention, hard_failures)
    SELECT (3000000500 + g)::text, 'sms', '+35988800' || lpad(g::text, 4, '0'), 'active', ${now}::timestamptz - (g * 6 || ' days')::interval,
           CASE WHEN g % 3 = 0 THEN 'centre' ELSE 'online' END, '2026-01', ${now}::timestamptz - (g * 6 || ' days')::interval,
           ${now}::timestamptz - (g * 6 || ' days')::interval, ${now}::timestamptz - (g * 6 || ' days')::interval, g <= 2, CASE WHEN g <= 2 THEN 3 ELSE 0 END
      FROM generate_series(1, 40) g`.execute(db);
  // Messages over six months: SMS in Cyrillic (2 parts each), emails, a few letters; most delivered.
  await sql`INSERT INTO outbox_messages (business_key, kind, customer_number, channel, recipient, body, status, segments, encoding, cost_minor,
                                         provider, not_before, created_at, updated_at, sent_at, delivered_at, final_at)
    SELECT 'seed:' || g, 'overdue_reminder', (3000000500 + 1 + g % 40)::text,
           (ARRAY['sms', 'sms', 'email', 'letter'])[1 + g % 4], '+359888000000', 'Текст', 
           CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'delivered' END,
           CASE WHEN g % 4 IN (0, 1) THEN 2 END, CASE WHEN g % 4 IN (0, 1) THEN 'ucs2' END, CASE WHEN g % 4 IN (0, 1) THEN 10 END, 'sandbox',
           ${now}::timestamptz - ((g % 180) || ' days')::interval, ${now}::timestamptz - ((g % 180) || ' days')::interval, ${now}::timestamptz,
           ${now}::timestamptz - ((g % 180) || ' days')::interval, CASE WHEN g % 10 <> 0 THEN ${now}::timestamptz - ((g % 180) || ' days')::interval END,
           ${now}::timestamptz - ((g % 180) || ' days')::interval
      FROM generate_series(1, 400) g`.execute(db);
  // Viber over the same months: most delivered in Viber, some by the provider's own SMS, every
  // seventh failed and handed to our SMS (a child SMS of two parts, as every seeded SMS notice).
  await sql`INSERT INTO outbox_messages (business_key, kind, customer_number, channel, recipient, body, status, cost_minor, provider, reached_via,
                                         not_before, created_at, updated_at, sent_at, delivered_at, final_at)
    SELECT 'seed-viber:' || g, 'overdue_reminder', (3000000500 + 1 + g % 40)::text, 'viber', '+359888000000', 'Текст',
           CASE WHEN g % 7 = 0 THEN 'failed' ELSE 'delivered' END, 4, 'mobica', CASE WHEN g % 7 = 0 THEN NULL WHEN g % 5 = 0 THEN 'sms' ELSE 'viber' END,
           ${now}::timestamptz - ((g * 3 % 180) || ' days')::interval, ${now}::timestamptz - ((g * 3 % 180) || ' days')::interval, ${now}::timestamptz,
           ${now}::timestamptz - ((g * 3 % 180) || ' days')::interval, CASE WHEN g % 7 <> 0 THEN ${now}::timestamptz - ((g * 3 % 180) || ' days')::interval END,
           ${now}::timestamptz - ((g * 3 % 180) || ' days')::interval
      FROM generate_series(1, 120) g`.execute(db);
  await sql`INSERT INTO outbox_messages (business_key, kind, customer_number, channel, recipient, body, status, segments, encoding, cost_minor, provider, parent_id,
                                         not_before, created_at, updated_at, sent_at, delivered_at, final_at)
    SELECT 'seed-fallback:' || v.id, v.kind, v.customer_number, 'sms', v.recipient, 'Текст', 'delivered', 2, 'ucs2', 10, 'sandbox', v.id,
           v.created_at, v.created_at, v.created_at, v.created_at, v.created_at, v.created_at
      FROM outbox_messages v WHERE v.business_key LIKE 'seed-viber:%' AND v.status = 'failed'`.execute(db);
  // Attempts with their latency, finished in the last minutes.
  await sql`INSERT INTO message_attempts (message_id, attempt, worker, provider, started_at, finished_at, outcome)
    SELECT m.id, 1, 'w1', CASE WHEN m.id % 2 = 0 THEN 'smpp' ELSE 'smtp' END, ${now}::timestamptz - interval '5 minutes',
           ${now}::timestamptz - interval '5 minutes' + ((m.id % 7) * 0.05 || ' seconds')::interval, CASE WHEN m.id % 9 = 0 THEN 'transient' ELSE 'accepted' END
      FROM outbox_messages m WHERE m.business_key LIKE 'seed:%' AND m.id % 5 = 0`.execute(db);
  // The queue now.
  await sql`INSERT INTO outbox_messages (business_key, kind, customer_number, channel, recipient, body, not_before, created_at, updated_at)
    SELECT 'queued:' || g, 'overdue_second', ${ACTIVITY_CUSTOMER}, CASE WHEN g % 2 = 0 THEN 'sms' ELSE 'email' END, 'x@example.bg', 'Текст',
           ${now}::timestamptz - interval '10 minutes' + (CASE WHEN g > 8 THEN interval '5 hours' ELSE interval '0' END), ${now}, ${now}
      FROM generate_series(1, 12) g`.execute(db);
  // A run a month ago whose notice was paid before its disconnection date.
  const run = await db
    .insertInto('dunning_runs')
    .values({ run_date: at(35).toISOString().slice(0, 10), trigger: 'schedule', actor: 'scheduler', policy_version: 0, started_at: at(35), finished_at: new Date(at(35).getTime() + 2500), overdue_customers: 1, notices_created: 1, figures: JSON.stringify([{ stage: 'reminder', template: 'overdue_reminder', customers: 1, channels: [{ channel: 'sms', planned: 1, created: 1 }] }]) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const due = at(40).toISOString().slice(0, 10);
  await db.insertInto('invoices').values({ invoice_number: 'ACT-1', customer_number: ACTIVITY_CUSTOMER, issue_date: due, due_date: due, amount_minor: 5000, currency: due < '2026-01-01' ? 'BGN' : 'EUR' }).execute();
  const invoice = await db.selectFrom('invoices').select('amount_eur_minor').where('invoice_number', '=', 'ACT-1').executeTakeFirstOrThrow();
  await db
    .insertInto('payments')
    .values({ payment_reference: 'ACT-PAY-1', customer_number: ACTIVITY_CUSTOMER, invoice_number: 'ACT-1', amount_minor: invoice.amount_eur_minor, currency: 'EUR', paid_at: at(33), channel: 'bank', status: 'settled', settled_at: at(32), source: 'import' })
    .execute();
  await db.insertInto('payment_allocations').values({ payment_reference: 'ACT-PAY-1', invoice_number: 'ACT-1', amount_eur_minor: invoice.amount_eur_minor }).execute();
  await db.updateTable('invoices').set({ paid_eur_minor: invoice.amount_eur_minor }).where('invoice_number', '=', 'ACT-1').execute();
  await db
    .insertInto('outbox_messages')
    .values({
      business_key: `dunning:${ACTIVITY_CUSTOMER}:reminder:${due}`,
      kind: 'overdue_reminder',
      customer_number: ACTIVITY_CUSTOMER,
      channel: 'sms',
      recipient: '+359888000501',
      payload: JSON.stringify({ run_id: run.id, stage: 'reminder', invoices: ['ACT-1'], disconnection_date: at(10).toISOString().slice(0, 10), min_eur_minor: 500 }),
      status: 'delivered',
      segments: 2,
      cost_minor: 10,
      provider: 'sandbox',
      body: 'Имате неплатени сметки',
      not_before: at(35),
      created_at: at(35),
      updated_at: at(35),
      sent_at: at(35),
      delivered_at: at(35),
      final_at: at(35),
    })
    .execute();
}

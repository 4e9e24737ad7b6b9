// Shared pieces of the dunning tests: a clean database, customers with contacts, invoices and
// payments written directly (as the billing import leaves them), and a run with test defaults.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { addDays } from '../../src/dunning/calendar/index.js';
import { noticeRenderer } from '../../src/dunning/render.js';
import { runDunning, type RunOptions, type RunReport } from '../../src/dunning/run.js';

export const render = noticeRenderer('https://izvestia.example.bg');

export async function reset(db: Kysely<DB>): Promise<void> {
  await sql`TRUNCATE dunning_listings, dunning_runs, dunning_holds, calendar_overrides, dunning_policies, delivery_receipts,
            message_attempts, outbox_messages, payment_allocations, payments, subscriptions, invoices, customers CASCADE`.execute(db);
}

export interface CustomerSpec {
  class?: 'household' | 'business';
  sms?: boolean;
  email?: boolean;
  lang?: 'bg' | 'en';
  name?: string;
}

export function customerNumber(i: number): string {
  return String(3_000_000_000 + i);
}

export function phoneOf(i: number): string {
  return `+35988${String(1_000_000 + i).slice(-7)}`;
}

/** Customer number 3000000000 + i, with an active SMS and/or email subscription. */
export async function addCustomer(db: Kysely<DB>, i: number, spec: CustomerSpec = {}): Promise<string> {
  const cn = customerNumber(i);
  await db
    .insertInto('customers')
    .values({ customer_number: cn, name: spec.name ?? `Клиент ${i}`, street: `ул. Шипка ${i}`, town: 'Варна', postcode: '9000', customer_class: spec.class ?? 'household' })
    .execute();
  const subs: Array<{ channel: 'sms' | 'email'; address: string }> = [];
  if (spec.sms ?? true) subs.push({ channel: 'sms', address: phoneOf(i) });
  if (spec.email) subs.push({ channel: 'email', address: `client${i}@example.bg` });
  for (const s of subs) {
    await db
      .insertInto('subscriptions')
      .values({ customer_number: cn, channel: s.channel, address: s.address, status: 'active', verified_at: '2025-01-01T00:00:00Z', source: 'import', consent_version: 'v1', consent_at: '2025-01-01T00:00:00Z', lang: spec.lang ?? 'bg' })
      .execute();
  }
  return cn;
}

/** An EUR invoice due on `due` (issued 20 days before), optionally partly paid. */
export async function addInvoice(db: Kysely<DB>, customer: string, number: string, due: string, amountMinor: number, paidMinor = 0): Promise<void> {
  const issue = addDays(due, -20);
  await db
    .insertInto('invoices')
    .values({ invoice_number: number, customer_number: customer, issue_date: issue, due_date: due, amount_minor: amountMinor, currency: issue < '2026-01-01' ? 'BGN' : 'EUR', paid_eur_minor: paidMinor })
    .execute();
}

/** A payment allocated to one invoice, as the billing import records it. */
export async function pay(db: Kysely<DB>, customer: string, invoice: string, amountMinor: number, paidAt: string, ref = `P-${invoice}-${paidAt}`): Promise<void> {
  await db
    .insertInto('payments')
    .values({ payment_reference: ref.replace(/[^0-9A-Za-z/_.:-]/g, '_'), customer_number: customer, invoice_number: invoice, amount_minor: amountMinor, currency: 'EUR', paid_at: paidAt, channel: 'bank', status: 'in_transit', source: 'import' })
    .execute();
  await db.insertInto('payment_allocations').values({ payment_reference: ref.replace(/[^0-9A-Za-z/_.:-]/g, '_'), invoice_number: invoice, amount_eur_minor: amountMinor }).execute();
  await db.updateTable('invoices').set({ paid_eur_minor: sql`paid_eur_minor + ${amountMinor}` }).where('invoice_number', '=', invoice).execute();
}

export function run(db: Kysely<DB>, date: string, extra: Partial<RunOptions> = {}): Promise<RunReport> {
  return runDunning(db, { date, trigger: 'cli', actor: 'test', render, smsPricePerSegmentMinor: 5, ...extra });
}

export interface NoticeRow {
  business_key: string;
  kind: string;
  customer_number: string;
  channel: string;
  recipient: string;
  fallback: string[];
  status: string;
  cancel_reason: string | null;
  payload: Record<string, unknown>;
}

export async function notices(db: Kysely<DB>): Promise<NoticeRow[]> {
  const r = await db
    .selectFrom('outbox_messages')
    .select(['business_key', 'kind', 'customer_number', 'channel', 'recipient', 'fallback', 'status', 'cancel_reason', 'payload'])
    .orderBy('id')
    .execute();
  return r.map((m) => ({ ...m, customer_number: m.customer_number ?? '' }));
}

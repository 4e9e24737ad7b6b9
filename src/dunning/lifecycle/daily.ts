// The lifecycle messages of the daily run, each one INSERT ... SELECT in the run's transaction:
// pre-due reminders for bills falling due in N working days, and the yearly contact check.
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { LocalDate } from '../calendar/index.js';
import type { Calendar } from '../calendar/working-days.js';
import type { DunningPolicy } from '../policy.js';
import { channelJoin, CHOSEN } from './channels.js';

// Prices are shown in both currencies until this day (the euro adoption law), as in the notices.
export const DUAL_DISPLAY_UNTIL = '2026-08-08';

export interface DailyLifecycle {
  preDue: number;
  contactChecks: number;
}

const count = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0n);

/**
 * Pre-due reminders: unpaid invoices falling due after the run's day and no later than
 * `workingDaysBefore` working days after it, of customers who asked for them (or of everyone
 * subscribed, by policy). Keyed by customer and invoice: one reminder per invoice, whatever the day.
 */
async function enqueuePreDue(trx: Transaction<DB>, policy: DunningPolicy, calendar: Calendar, date: LocalDate, stamp: Date | null): Promise<number> {
  const p = policy.preDue;
  if (!p.enabled) return 0;
  const until = calendar.addWorkingDays(date, p.workingDaysBefore);
  const r = await sql`
    INSERT INTO outbox_messages (business_key, kind, customer_number, channel, fallback, recipient, subscription_id, lang, payload, not_before, created_at, updated_at)
    SELECT 'predue:' || i.customer_number || ':' || i.invoice_number, 'predue_reminder', i.customer_number, ch.channel, ch.fallback, ${sql.raw(CHOSEN)},
           jsonb_build_object('customer_number', i.customer_number, 'customer_name', c.name, 'invoice_number', i.invoice_number,
             'due_date', i.due_date, 'notified_on', ${date}::date, 'amount_eur_minor', i.amount_eur_minor - i.paid_eur_minor,
             'amount_bgn_minor', CASE WHEN i.currency = 'BGN' OR ${date}::date <= ${DUAL_DISPLAY_UNTIL}::date
                                      THEN ((i.amount_eur_minor - i.paid_eur_minor) * 195583 + 50000) / 100000 END,
             'email_subscription_id', em.id),
           coalesce(${stamp}::timestamptz, now()), coalesce(${stamp}::timestamptz, now()), coalesce(${stamp}::timestamptz, now())
      FROM invoices i
      JOIN customers c ON c.customer_number = i.customer_number
      ${sql.raw(channelJoin('i.customer_number', p.channels))}
     WHERE i.paid_eur_minor < i.amount_eur_minor AND i.due_date > ${date}::date AND i.due_date <= ${until}::date
       AND i.amount_eur_minor - i.paid_eur_minor >= ${p.minEurMinor}::bigint
       AND (${p.audience === 'all_subscribed'}::boolean OR EXISTS (
             SELECT 1 FROM subscriptions o WHERE o.customer_number = i.customer_number AND o.status = 'active' AND o.predue_opt_in))
    ON CONFLICT (business_key) DO NOTHING`.execute(trx);
  return count(r);
}

/**
 * The contact check: active subscriptions last verified or confirmed `afterMonths` months ago and
 * not checked since, oldest first, at most `maxPerDay`. Each gets one message on its own contact
 * (no fallback: the contact itself is in question), and its check is recorded.
 */
async function enqueueContactChecks(trx: Transaction<DB>, policy: DunningPolicy, date: LocalDate, stamp: Date | null): Promise<number> {
  const p = policy.contactCheck;
  if (!p.enabled) return 0;
  const r = await sql<{ n: number }>`
    WITH due AS (
      SELECT s.id, s.customer_number, s.channel, s.address, s.lang FROM subscriptions s
       WHERE s.status = 'active'
         AND coalesce(s.contact_confirmed_at, s.verified_at) <= ${date}::date - make_interval(months => ${p.afterMonths}::int)
         AND (s.contact_checked_at IS NULL OR s.contact_checked_at <= ${date}::date - make_interval(months => ${p.afterMonths}::int))
       ORDER BY coalesce(s.contact_confirmed_at, s.verified_at), s.id
       LIMIT ${p.maxPerDay}::int
    ),
    ins AS (
      INSERT INTO outbox_messages (business_key, kind, customer_number, subscription_id, channel, recipient, lang, payload, not_before, created_at, updated_at)
      SELECT 'check:' || d.id || ':' || extract(year FROM ${date}::date), 'contact_check', d.customer_number, d.id, d.channel, d.address, d.lang,
             jsonb_build_object('customer_number', d.customer_number, 'channel', d.channel, 'address', d.address, 'notified_on', ${date}::date),
             coalesce(${stamp}::timestamptz, now()), coalesce(${stamp}::timestamptz, now()), coalesce(${stamp}::timestamptz, now())
        FROM due d
      ON CONFLICT (business_key) DO NOTHING
      RETURNING id
    ),
    checked AS (
      UPDATE subscriptions s SET contact_checked_at = coalesce(${stamp}::timestamptz, now()), updated_at = now() FROM due WHERE s.id = due.id RETURNING s.id
    )
    SELECT (SELECT count(*) FROM ins)::int AS n, (SELECT count(*) FROM checked)::int AS checked`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

/** Both daily lifecycle messages, in the run's transaction (a dry run rolls them back with it). */
export async function enqueueDailyLifecycle(trx: Transaction<DB>, o: { policy: DunningPolicy; calendar: Calendar; date: LocalDate; stamp: Date | null }): Promise<DailyLifecycle> {
  // Replaying a past day (demo history) sends neither: they are about today's bills and contacts.
  if (o.stamp !== null) return { preDue: 0, contactChecks: 0 };
  return {
    preDue: await enqueuePreDue(trx, o.policy, o.calendar, o.date, o.stamp),
    contactChecks: await enqueueContactChecks(trx, o.policy, o.date, o.stamp),
  };
}


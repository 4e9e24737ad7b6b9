// Stage evaluation, set-based: one query puts every overdue customer at a stage with everything
// the run, the disconnection list and the reports need to decide about them. Nothing loops per
// customer; the calendar arrives as the cutoff dates of planDay.
import { sql, type RawBuilder } from 'kysely';
import type { ChannelType } from '../delivery/outbox/tables.js';
import type { DayPlan } from './stages.js';

export interface EvaluatedCustomer {
  customer_number: string;
  customer_class: 'household' | 'business';
  name: string;
  /** The postal address block: name, street, postcode and town on separate lines. */
  address_block: string;
  oldest_due: string;
  /** Overdue total in euro cents: what is still due on invoices past their due date. */
  total: number;
  /** The overdue invoices, oldest first. */
  invoices: string[];
  /** Due date and what is still open (euro cents) of each of those invoices, in the same order. */
  invoice_due_dates: string[];
  invoice_open: number[];
  any_bgn: boolean;
  stage: string;
  ord: number;
  /** The notice kind; null at the disconnection list. */
  template: string | null;
  min_eur: number;
  /** The stage covers the customer's class. */
  applies: boolean;
  above_min: boolean;
  /** Reasons of the holds active on the day, or null. */
  hold_reason: string | null;
  /** The day the customer reaches the disconnection list (customers at a notice stage). */
  disconnection_date: string | null;
  /** The first channel of the stage the customer has; null: no contact (or not a notice stage). */
  channel: ChannelType | null;
  fallback: ChannelType[] | null;
  recipient: string | null;
  subscription_id: number | null;
  lang: 'bg' | 'en' | null;
  /** The active email subscription, whatever the channel chosen (its unsubscribe link). */
  email_subscription_id: number | null;
}

export interface EvaluationOptions {
  plan: DayPlan;
  /** Replaying a past day: payments and contacts as they were at this instant. Absent: as now. */
  asOf?: Date | null;
}

/** Open invoices due before the day: (invoice_number, customer_number, due_date, currency, open). */
function openInvoices(date: string, asOf: Date | null): RawBuilder<unknown> {
  if (asOf === null) {
    // Written so that the partial index on unpaid invoices serves it.
    return sql`SELECT invoice_number, customer_number, due_date, currency, amount_eur_minor - paid_eur_minor AS open
                 FROM invoices WHERE paid_eur_minor < amount_eur_minor AND due_date < ${date}::date`;
  }
  // Open then = open now + what payments made since have paid on it: the unpaid invoices (the
  // partial index) and the few paid since, not the whole ledger.
  return sql`WITH since AS MATERIALIZED (
               SELECT a.invoice_number, sum(a.amount_eur_minor)::bigint AS paid FROM payment_allocations a
                 JOIN payments p ON p.payment_reference = a.payment_reference
                WHERE p.paid_at > ${asOf} GROUP BY a.invoice_number
             )
             SELECT invoice_number, customer_number, due_date, currency, open FROM (
               SELECT i.invoice_number, i.customer_number, i.due_date, i.currency, i.amount_eur_minor - i.paid_eur_minor + coalesce(s.paid, 0) AS open
                 FROM invoices i LEFT JOIN since s ON s.invoice_number = i.invoice_number
                WHERE i.paid_eur_minor < i.amount_eur_minor AND i.due_date < ${date}::date
               UNION ALL
               SELECT i.invoice_number, i.customer_number, i.due_date, i.currency, i.amount_eur_minor - i.paid_eur_minor + s.paid AS open
                 FROM since s JOIN invoices i ON i.invoice_number = s.invoice_number
                WHERE i.paid_eur_minor >= i.amount_eur_minor AND i.due_date < ${date}::date
             ) o WHERE open > 0`;
}

/** One row per customer who has reached at least the first stage on the plan's day. */
export function evaluation(o: EvaluationOptions): RawBuilder<EvaluatedCustomer> {
  const { plan } = o;
  const asOf = o.asOf ?? null;
  const s = plan.stages;
  const first = s[0]?.cutoff ?? plan.date;
  const contactKnown = (alias: string) => (asOf === null ? sql`` : sql`AND ${sql.ref(`${alias}.verified_at`)} <= ${asOf}`);
  return sql<EvaluatedCustomer>`
    WITH st AS (
      SELECT * FROM unnest(${s.map((x) => x.id)}::text[], ${s.map((x) => x.ord)}::int[], ${s.map((x) => x.cutoff)}::date[],
                           ${s.map((x) => x.notice?.template ?? null)}::text[], ${s.map((x) => x.notice?.channels.join(',') ?? null)}::text[],
                           ${s.map((x) => x.notice?.letterIfNoElectronicContact ?? false)}::boolean[],
                           ${s.map((x) => x.minOverdueEurMinor)}::bigint[], ${s.map((x) => x.customerClasses.join(','))}::text[])
        AS st(stage, ord, cutoff, template, channels, letter_if_none, min_eur, classes)
    ),
    dd AS (
      SELECT * FROM unnest(${plan.disconnectionDates.map((d) => d.due)}::date[], ${plan.disconnectionDates.map((d) => d.date)}::date[])
        AS dd(due, disconnection_date)
    ),
    od AS (
      SELECT i.customer_number, min(i.due_date) AS oldest_due, sum(i.open)::bigint AS total,
             array_agg(i.invoice_number ORDER BY i.due_date, i.invoice_number) AS invoices,
             array_agg(i.due_date ORDER BY i.due_date, i.invoice_number) AS invoice_due_dates,
             array_agg(i.open ORDER BY i.due_date, i.invoice_number) AS invoice_open, bool_or(i.currency = 'BGN') AS any_bgn
        FROM (${openInvoices(plan.date, asOf)}) i
       GROUP BY i.customer_number
      HAVING min(i.due_date) <= ${first}::date
    ),
    held AS (
      SELECT customer_number, string_agg(DISTINCT reason, ', ' ORDER BY reason) AS reason FROM dunning_holds
       WHERE released_at IS NULL AND until >= ${plan.date}::date GROUP BY customer_number
    )
    SELECT od.customer_number, c.customer_class, c.name,
           concat_ws(E'\n', c.name, CASE WHEN btrim(c.street) <> '' THEN c.street END, c.postcode || ' ' || c.town) AS address_block,
           od.oldest_due, od.total, od.invoices, od.invoice_due_dates, od.invoice_open, od.any_bgn,
           s.stage, s.ord, s.template, s.min_eur,
           c.customer_class = ANY (string_to_array(s.classes, ',')) AS applies,
           od.total >= s.min_eur AS above_min,
           held.reason AS hold_reason, dd.disconnection_date,
           ch.channel, ch.fallback,
           CASE ch.channel WHEN 'sms' THEN sms.address WHEN 'viber' THEN sms.address WHEN 'email' THEN em.address WHEN 'letter'
             THEN concat_ws(E'\n', c.name, CASE WHEN btrim(c.street) <> '' THEN c.street END, c.postcode || ' ' || c.town) END AS recipient,
           CASE ch.channel WHEN 'sms' THEN sms.id WHEN 'viber' THEN sms.id WHEN 'email' THEN em.id END AS subscription_id,
           CASE ch.channel WHEN 'sms' THEN sms.lang WHEN 'viber' THEN sms.lang WHEN 'email' THEN em.lang WHEN 'letter' THEN 'bg' END AS lang,
           em.id AS email_subscription_id
      FROM od
      JOIN customers c ON c.customer_number = od.customer_number
      CROSS JOIN LATERAL (SELECT * FROM st WHERE od.oldest_due <= st.cutoff ORDER BY st.ord DESC LIMIT 1) s
      LEFT JOIN dd ON dd.due = od.oldest_due
      LEFT JOIN held ON held.customer_number = od.customer_number
      LEFT JOIN subscriptions sms ON sms.customer_number = od.customer_number AND sms.channel = 'sms' AND sms.status = 'active' ${contactKnown('sms')}
      LEFT JOIN subscriptions em ON em.customer_number = od.customer_number AND em.channel = 'email' AND em.status = 'active' ${contactKnown('em')}
      LEFT JOIN LATERAL (
        SELECT u.c AS channel, (string_to_array(s.channels, ','))[u.k::int + 1:] AS fallback
          FROM unnest(string_to_array(s.channels, ',')) WITH ORDINALITY AS u(c, k)
         WHERE (u.c = 'sms' AND sms.id IS NOT NULL) OR (u.c = 'viber' AND sms.id IS NOT NULL AND NOT sms.viber_opt_out) OR (u.c = 'email' AND em.id IS NOT NULL) OR (u.c = 'letter' AND s.letter_if_none)
         ORDER BY u.k LIMIT 1
      ) ch ON s.template IS NOT NULL`;
}

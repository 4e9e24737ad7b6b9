// What a payment sets off, in the payment's own transaction (import batch or one API payment),
// set-based over the batch: "thank you, we received X" when it ends an overdue episode a notice was
// sent about, "supply will be restored" when a customer on the disconnection list has paid in full,
// and the cancellation of the pre-due reminders it made pointless. Runs after the allocation, while
// its temporary tables (new_pay: the new payments; alloc: what they paid) are still there.
import type { Client } from '../../db/open.js';
import { defaultPolicy, NOTICE_KINDS, parsePolicy, type DunningPolicy } from '../policy.js';
import { channelJoin, CHOSEN } from './channels.js';
import { DUAL_DISPLAY_UNTIL } from './daily.js';

export interface AfterPayment {
  paymentReceived: number;
  restored: number;
  preDueCancelled: number;
}

const KINDS = NOTICE_KINDS.map((k) => `'${k}'`).join(', ');
const TODAY = `(now() AT TIME ZONE 'Europe/Sofia')::date`;

async function policyOf(client: Client): Promise<DunningPolicy> {
  const r = await client.query<{ policy: unknown }>('SELECT policy FROM dunning_policies ORDER BY version DESC LIMIT 1');
  return r.rows[0] ? parsePolicy(r.rows[0].policy) : defaultPolicy;
}

// Per customer of the batch: what the new payments brought (euro cents) and the day of the last.
const RECEIVED = `received AS (
  SELECT customer_number, sum(eur)::bigint AS amount, bool_or(currency = 'BGN') AS any_bgn,
         max((paid_at AT TIME ZONE 'Europe/Sofia')::date) AS paid_on
    FROM new_pay GROUP BY customer_number
)`;

function payload(extra: string): string {
  return `jsonb_build_object('customer_number', r.customer_number, 'customer_name', c.name, 'amount_eur_minor', r.amount,
            'amount_bgn_minor', CASE WHEN r.any_bgn OR ${TODAY} <= '${DUAL_DISPLAY_UNTIL}'::date THEN (r.amount * 195583 + 50000) / 100000 END,
            'paid_on', r.paid_on, 'email_subscription_id', em.id${extra})`;
}

const INSERT = `INSERT INTO outbox_messages (business_key, kind, customer_number, channel, fallback, recipient, subscription_id, lang, payload)`;

/**
 * A customer on the disconnection list (their latest listing) whose new payments paid an invoice of
 * that episode and who now owes nothing past its due date: supply_restored.
 */
function restoredSql(p: DunningPolicy['reconnection']): string {
  return `
    WITH ${RECEIVED},
    listed AS (
      SELECT DISTINCT ON (l.customer_number) l.customer_number, l.oldest_due_date FROM dunning_listings l
       WHERE l.customer_number IN (SELECT customer_number FROM received)
       ORDER BY l.customer_number, l.oldest_due_date DESC
    ),
    cleared AS (
      SELECT l.* FROM listed l
       WHERE EXISTS (SELECT 1 FROM alloc a JOIN invoices i ON i.invoice_number = a.invoice_number
                      WHERE i.customer_number = l.customer_number AND i.due_date >= l.oldest_due_date)
         AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.customer_number = l.customer_number
                          AND i.paid_eur_minor < i.amount_eur_minor AND i.due_date < ${TODAY})
    )
    ${INSERT}
    SELECT 'restored:' || l.customer_number || ':' || to_char(l.oldest_due_date, 'YYYY-MM-DD'), 'supply_restored', l.customer_number,
           ch.channel, ch.fallback, ${CHOSEN},
           ${payload(`, 'listing_oldest_due', l.oldest_due_date, 'restore_hours', ${p.restoreWithinHours}, 'express_hours', ${p.expressWithinHours},
                      'express_fee_eur_minor', ${p.expressFeeEurMinor}`)}
      FROM cleared l JOIN received r ON r.customer_number = l.customer_number JOIN customers c ON c.customer_number = l.customer_number
      ${channelJoin('l.customer_number', p.channels)}
    ON CONFLICT (business_key) DO NOTHING
    RETURNING customer_number`;
}

/**
 * A customer whose latest overdue episode had a notice sent, and whose new payments paid one of its
 * invoices so that what is left on them is below the notice's minimum (the rule that stops the
 * notices): payment_received, unless the customer gets supply_restored for it.
 */
function paidSql(p: DunningPolicy['paymentReceived'], skipRestored: boolean): string {
  return `
    WITH ${RECEIVED},
    episode AS (
      SELECT DISTINCT ON (m.customer_number) m.customer_number, m.payload->>'oldest_due_date' AS oldest_due, m.payload->'invoices' AS invoices,
             (m.payload->>'min_eur_minor')::bigint AS min_eur
        FROM outbox_messages m
       WHERE m.kind IN (${KINDS}) AND m.status IN ('sent', 'delivered') AND m.customer_number IN (SELECT customer_number FROM received)
         AND jsonb_typeof(m.payload->'invoices') = 'array'
       ORDER BY m.customer_number, m.payload->>'oldest_due_date' DESC, m.id DESC
    ),
    stopped AS (
      SELECT e.* FROM episode e
       WHERE EXISTS (SELECT 1 FROM alloc a WHERE a.invoice_number IN (SELECT jsonb_array_elements_text(e.invoices)))
         AND (SELECT coalesce(sum(i.amount_eur_minor - i.paid_eur_minor), 0) FROM invoices i
               WHERE i.invoice_number IN (SELECT jsonb_array_elements_text(e.invoices))) < greatest(e.min_eur, 1)
         ${skipRestored ? `AND NOT EXISTS (SELECT 1 FROM restored_now x WHERE x.customer_number = e.customer_number)` : ''}
    )
    ${INSERT}
    SELECT 'paid:' || e.customer_number || ':' || e.oldest_due, 'payment_received', e.customer_number, ch.channel, ch.fallback, ${CHOSEN},
           ${payload(`, 'episode_oldest_due', e.oldest_due`)}
      FROM stopped e JOIN received r ON r.customer_number = e.customer_number JOIN customers c ON c.customer_number = e.customer_number
      ${channelJoin('e.customer_number', p.channels)}
    ON CONFLICT (business_key) DO NOTHING`;
}

/** Queued pre-due reminders whose invoice is now paid: cancelled at once (the guard would, later). */
const CANCEL_PREDUE = `
  UPDATE outbox_messages m SET status = 'cancelled', cancel_reason = 'invoice paid', final_at = now(), updated_at = now()
    FROM invoices i
   WHERE m.kind = 'predue_reminder' AND m.status IN ('queued', 'held') AND m.customer_number IN (SELECT customer_number FROM new_pay)
     AND i.invoice_number = m.payload->>'invoice_number' AND i.paid_eur_minor >= i.amount_eur_minor`;

/**
 * Call right after insertAndAllocatePayments, in its transaction. Set-based: a few statements for a
 * whole import batch. The customers whose messages were already created (a re-imported file) get
 * nothing new: every message has its business key.
 */
export async function afterPayments(client: Client): Promise<AfterPayment> {
  const policy = await policyOf(client);
  const out: AfterPayment = { paymentReceived: 0, restored: 0, preDueCancelled: 0 };
  await client.query('CREATE TEMP TABLE IF NOT EXISTS restored_now (customer_number text NOT NULL) ON COMMIT DROP');
  await client.query('TRUNCATE restored_now');
  if (policy.reconnection.enabled) {
    // A data-modifying statement cannot sit in a nested WITH: the customers come back and go in apart.
    const r = await client.query<{ customer_number: string }>(restoredSql(policy.reconnection));
    out.restored = r.rowCount ?? 0;
    if (out.restored > 0) await client.query('INSERT INTO restored_now SELECT unnest($1::text[])', [r.rows.map((x) => x.customer_number)]);
  }
  if (policy.paymentReceived.enabled) {
    out.paymentReceived = (await client.query(paidSql(policy.paymentReceived, policy.reconnection.enabled))).rowCount ?? 0;
  }
  out.preDueCancelled = (await client.query(CANCEL_PREDUE)).rowCount ?? 0;
  return out;
}

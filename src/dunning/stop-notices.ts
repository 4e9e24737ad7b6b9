// A notice is planned at the daily run and sent minutes or hours later. Whatever happens between
// stops it: a payment (cancelSettledNotices, in the payment's own transaction) or, at the latest,
// the guard the worker asks right before sending. Both use the same rule, below.
import { sql } from 'kysely';
import type pg from 'pg';
import { batchGuard, type Guard, type GuardMap } from '../delivery/guards.js';
import { NOTICE_KINDS } from './policy.js';

const KINDS = NOTICE_KINDS.map((k) => `'${k}'`).join(', ');

/**
 * Why the notice row `m` is no longer wanted, or NULL. A notice names its invoices and the
 * stage's minimum: once what is still due on them (in-transit payments count as paid) is below
 * that minimum it stops; so does any hold active today in Sofia. A message of these kinds that
 * names no invoices (not made by the run) is judged by the holds alone.
 */
function staleReason(m: string): string {
  const remaining = `(SELECT coalesce(sum(i.amount_eur_minor - i.paid_eur_minor), 0) FROM invoices i
      WHERE i.invoice_number IN (SELECT jsonb_array_elements_text(${m}.payload->'invoices')) AND i.paid_eur_minor < i.amount_eur_minor)`;
  return `CASE
    WHEN EXISTS (SELECT 1 FROM dunning_holds h WHERE h.customer_number = ${m}.customer_number AND h.released_at IS NULL
                   AND h.until >= (now() AT TIME ZONE 'Europe/Sofia')::date)
      THEN 'hold: ' || (SELECT string_agg(DISTINCT h.reason, ', ') FROM dunning_holds h WHERE h.customer_number = ${m}.customer_number
                          AND h.released_at IS NULL AND h.until >= (now() AT TIME ZONE 'Europe/Sofia')::date)
    WHEN jsonb_typeof(${m}.payload->'invoices') IS DISTINCT FROM 'array' THEN NULL
    WHEN ${remaining} = 0 THEN 'invoices paid'
    WHEN ${remaining} < (${m}.payload->>'min_eur_minor')::bigint THEN 'paid: the rest is below the minimum'
  END`;
}

/** The statement that cancels the stale queued notices of the customers `customersSql` selects. */
export function cancelStaleSql(customersSql: string): string {
  return `
    UPDATE outbox_messages m SET status = 'cancelled', cancel_reason = x.reason, final_at = now(), updated_at = now()
      FROM (SELECT q.id, ${staleReason('q')} AS reason FROM outbox_messages q
             WHERE q.status IN ('queued', 'held') AND q.kind IN (${KINDS}) AND q.customer_number IN (${customersSql})) x
     WHERE m.id = x.id AND x.reason IS NOT NULL AND m.status IN ('queued', 'held')`;
}

/**
 * Set-based: cancels, in the caller's transaction, the queued (or held for a run's approval) dunning notices of the customers
 * selected by `customersSql` (a subquery returning customer numbers, with `params` as $1...) that
 * their payments have settled. A message a worker has already claimed is left to the guard.
 * Returns how many were cancelled.
 */
export async function cancelSettledNotices(client: pg.PoolClient, customersSql: string, params: unknown[] = []): Promise<number> {
  const r = await client.query(cancelStaleSql(customersSql), params);
  return r.rowCount ?? 0;
}

/** The outbox guard of every notice kind: the same rule, right before sending (one query for many). */
export const noticeGuard: Guard = batchGuard(async (db, msgs) => {
  const r = await sql<{ id: number; reason: string }>`
    SELECT id, reason FROM (SELECT m.id, ${sql.raw(staleReason('m'))} AS reason FROM outbox_messages m WHERE m.id = ANY(${msgs.map((m) => m.id)}::bigint[])) x
    WHERE reason IS NOT NULL`.execute(db);
  return new Map(r.rows.map((x) => [Number(x.id), x.reason]));
});

/** noticeGuard for each notice kind. */
export const noticeGuards: GuardMap = Object.fromEntries(NOTICE_KINDS.map((kind) => [kind, noticeGuard]));

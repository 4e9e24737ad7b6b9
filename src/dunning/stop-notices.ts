// A notice is planned at the daily run and sent minutes or hours later. Whatever happens between
// stops it: a payment (cancelSettledNotices, in the payment's own transaction) or, at the latest,
// the guard the worker asks right before sending. Both use the same rule: izvestie_stale_notices
// (migration 0028; a function, so that the worker's guard is not planned again for every group).
import { sql } from 'kysely';
import type pg from 'pg';
import { batchGuard, type Guard, type GuardMap } from '../delivery/guards.js';
import { NOTICE_KINDS } from './policy.js';

const KINDS = NOTICE_KINDS.map((k) => `'${k}'`).join(', ');

/** The statement that cancels the stale queued notices of the customers `customersSql` selects. */
export function cancelStaleSql(customersSql: string): string {
  return `
    UPDATE outbox_messages m SET status = 'cancelled', cancel_reason = x.reason, final_at = now(), updated_at = now()
      FROM izvestie_stale_notices(ARRAY(SELECT q.id FROM outbox_messages q
             WHERE q.status IN ('queued', 'held') AND q.kind IN (${KINDS}) AND q.customer_number IN (${customersSql}))) x
     WHERE m.id = x.id AND m.status IN ('queued', 'held')`;
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
  const r = await sql<{ id: number; reason: string }>`SELECT id, reason FROM izvestie_stale_notices(${msgs.map((m) => m.id)}::bigint[])`.execute(db);
  return new Map(r.rows.map((x) => [Number(x.id), x.reason]));
});

/** noticeGuard for each notice kind. */
export const noticeGuards: GuardMap = Object.fromEntries(NOTICE_KINDS.map((kind) => [kind, noticeGuard]));

import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { handOver, type FailureContext } from './fallback.js';
import type { OutboxRow } from './message.js';
import type { MessageStatus } from './tables.js';

/** Receipt statuses that mean the message did not arrive. */
export const FAILED_STATUSES: readonly string[] = ['UNDELIV', 'REJECTD', 'EXPIRED', 'DELETED'];
const FAILED = [...FAILED_STATUSES];
// The contact itself refused it; an expired one may just have been switched off for days.
const HARD = new Set(['UNDELIV', 'REJECTD']);

/**
 * Settles sent messages from the receipts linked to them, set-based: any part failed → failed
 * (and the fallback chain takes over, as the message did not arrive); every part delivered →
 * delivered. Returns the messages whose status changed. The rows must be locked by this
 * transaction, and locked before the statement that calls this began: its snapshot must see every
 * receipt committed by whoever held them before. Each message is looked up by its id, whatever the
 * table's statistics say: a LATERAL subquery with LIMIT is planned for one row at a time, and
 * "IS TRUE" proves no partial index predicate (not every message awaiting its receipts, nor, on a
 * table never analyzed, all of it: migration 0026).
 */
export async function settleReceipts(tx: Kysely<DB>, messageIds: readonly number[], now: Date, ctx: FailureContext): Promise<Map<number, MessageStatus>> {
  const settled = new Map<number, MessageStatus>();
  if (messageIds.length === 0) return settled;
  const r = await sql<{ id: number; failure: string | null; failure_error: string | null; failure_at: Date | null; delivered: boolean }>`
    WITH m AS (
      SELECT o.id, greatest(1, cardinality(o.provider_message_ids)) AS parts
      FROM unnest(${messageIds}::bigint[]) AS x(id)
        CROSS JOIN LATERAL (SELECT id, provider_message_ids FROM outbox_messages WHERE id = x.id AND (status = 'sent') IS TRUE LIMIT 1) o
    ), v AS (
      SELECT m.id, m.parts,
        count(DISTINCT r.provider_message_id) FILTER (WHERE r.status = 'DELIVRD') AS delivered_parts,
        max(r.received_at) FILTER (WHERE r.status = 'DELIVRD') AS last,
        (array_agg(r.status ORDER BY r.id) FILTER (WHERE r.status = ANY(${FAILED}::text[])))[1] AS failure,
        (array_agg(r.error ORDER BY r.id) FILTER (WHERE r.status = ANY(${FAILED}::text[])))[1] AS failure_error,
        (array_agg(r.received_at ORDER BY r.id) FILTER (WHERE r.status = ANY(${FAILED}::text[])))[1] AS failure_at
      FROM m JOIN delivery_receipts r ON r.message_id = m.id
      GROUP BY m.id, m.parts
    ), done AS (
      UPDATE outbox_messages o SET status = 'delivered', delivered_at = v.last, final_at = v.last, updated_at = ${now}
      FROM v WHERE o.id = v.id AND v.failure IS NULL AND v.delivered_parts >= v.parts
      RETURNING o.id
    )
    SELECT v.id, v.failure, v.failure_error, v.failure_at, v.id IN (SELECT id FROM done) AS delivered
    FROM v WHERE v.failure IS NOT NULL OR v.delivered_parts >= v.parts
    ORDER BY v.id`.execute(tx);
  const failures = r.rows.filter((x) => x.failure !== null);
  for (const x of r.rows) if (x.delivered) settled.set(Number(x.id), 'delivered');
  if (failures.length === 0) return settled;
  // Rare: each failed message hands over to its fallback chain, one by one.
  const failed = await sql<OutboxRow>`
    UPDATE outbox_messages o
    SET status = 'failed', final_at = f.at, updated_at = ${now},
        last_error = 'receipt ' || f.status || coalesce(' (' || nullif(f.error, '') || ')', '')
    FROM unnest(${failures.map((x) => Number(x.id))}::bigint[], ${failures.map((x) => x.failure)}::text[], ${failures.map((x) => x.failure_error)}::text[],
      ${failures.map((x) => (x.failure_at ?? now).toISOString())}::timestamptz[]) AS f(id, status, error, at)
    WHERE o.id = f.id
    RETURNING o.*`.execute(tx);
  const statusOf = new Map(failures.map((x) => [Number(x.id), x.failure ?? '']));
  for (const row of failed.rows.sort((a, b) => Number(a.id) - Number(b.id))) {
    await handOver(tx, row, { hardFailure: HARD.has(statusOf.get(Number(row.id)) ?? ''), now, ctx });
    settled.set(Number(row.id), 'failed');
  }
  return settled;
}

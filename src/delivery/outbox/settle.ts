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
 * receipt committed by whoever held them before. One call of izvestie_settle_receipts (migration
 * 0028: a function, for its cached plan), which looks each message up by its id, whatever the
 * table's statistics say (not every message awaiting its receipts, nor, on a table never analyzed,
 * all of it: migration 0026).
 */
export async function settleReceipts(tx: Kysely<DB>, messageIds: readonly number[], now: Date, ctx: FailureContext): Promise<Map<number, MessageStatus>> {
  const settled = new Map<number, MessageStatus>();
  if (messageIds.length === 0) return settled;
  const r = await sql<{ id: number; failure: string | null; failure_error: string | null; failure_at: Date | null; delivered: boolean }>`
    SELECT * FROM izvestie_settle_receipts(${messageIds}::bigint[], ${now}::timestamptz, ${FAILED}::text[])`.execute(tx);
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

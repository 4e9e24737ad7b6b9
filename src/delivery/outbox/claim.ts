import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { OutboxRow } from './message.js';
import type { ChannelType } from './tables.js';

export interface ClaimOptions {
  channel: Exclude<ChannelType, 'letter'>;
  limit: number;
  workerId: string;
  now: Date;
  leaseSeconds: number;
  /** Only messages a customer is waiting for (the channel is in its quiet hours). */
  urgentOnly: boolean;
}

/**
 * Leases up to `limit` due queued messages of one channel to this worker, urgent first, then
 * oldest. SKIP LOCKED lets any number of workers claim side by side without taking a row twice.
 */
export async function claimBatch(db: Kysely<DB>, o: ClaimOptions): Promise<OutboxRow[]> {
  if (o.limit <= 0) return [];
  const leaseUntil = new Date(o.now.getTime() + o.leaseSeconds * 1000);
  const r = await sql<OutboxRow>`
    UPDATE outbox_messages m
    SET status = 'sending', leased_by = ${o.workerId}, lease_until = ${leaseUntil}, updated_at = ${o.now}
    FROM (
      SELECT id FROM outbox_messages
      WHERE status = 'queued' AND channel = ${o.channel} AND not_before <= ${o.now} AND (urgent OR NOT ${o.urgentOnly})
      ORDER BY urgent DESC, not_before, id
      LIMIT ${o.limit}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE m.id = due.id
    RETURNING m.*`.execute(db);
  return r.rows;
}

/**
 * Puts messages whose lease ran out (their worker died or hung) back in the queue. An attempt
 * the dead worker had started is closed as 'unknown': the provider may have accepted it, so the
 * resend that follows may be a duplicate, bounded by what that worker had in flight.
 */
export async function reclaimExpiredLeases(db: Kysely<DB>, now: Date): Promise<{ reclaimed: number; unknownAttempts: number }> {
  const r = await sql<{ reclaimed: number; unknown_attempts: number }>`
    WITH expired AS (
      SELECT id, leased_by FROM outbox_messages
      WHERE status = 'sending' AND lease_until < ${now}
      FOR UPDATE SKIP LOCKED
    ), requeued AS (
      UPDATE outbox_messages m
      SET status = 'queued', leased_by = NULL, lease_until = NULL, updated_at = ${now},
          last_error = 'lease of ' || expired.leased_by || ' expired'
      FROM expired WHERE m.id = expired.id
      RETURNING m.id
    ), closed AS (
      UPDATE message_attempts a
      SET outcome = 'unknown', finished_at = ${now}, error = 'lease of ' || expired.leased_by || ' expired during the attempt: it may have been sent'
      FROM expired WHERE a.message_id = expired.id AND a.outcome IS NULL
      RETURNING a.id
    )
    SELECT (SELECT count(*) FROM requeued)::int AS reclaimed, (SELECT count(*) FROM closed)::int AS unknown_attempts`.execute(db);
  const row = r.rows[0];
  return { reclaimed: row?.reclaimed ?? 0, unknownAttempts: row?.unknown_attempts ?? 0 };
}

/**
 * Quiet hours: due, non-urgent queued messages of the channel wait for the window to open. Only
 * rows already due are touched, so an evening's backlog is rewritten once, not on every poll.
 */
export async function deferUntilOpen(db: Kysely<DB>, channel: ChannelType, opensAt: Date, now: Date): Promise<number> {
  const r = await db
    .updateTable('outbox_messages')
    .set({ not_before: opensAt, updated_at: now })
    .where('status', '=', 'queued')
    .where('channel', '=', channel)
    .where('urgent', '=', false)
    .where('not_before', '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

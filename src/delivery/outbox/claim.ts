import { sql, type Kysely, type RawBuilder } from 'kysely';
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
  /** Only messages first tried (or, never tried, due) at or before this: those past their retry age. */
  waitingSince?: Date;
  /** Only recipients matching one of `include`, and none of `exclude` (LIKE patterns): a provider's share. */
  recipients?: { include?: string[]; exclude?: string[] } | null;
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
        ${o.waitingSince === undefined ? sql`` : sql`AND COALESCE(first_attempt_at, not_before) <= ${o.waitingSince}`}
        ${o.recipients?.include === undefined ? sql`` : sql`AND recipient LIKE ANY(${o.recipients.include}::text[])`}
        ${o.recipients?.exclude === undefined || o.recipients.exclude.length === 0 ? sql`` : sql`AND NOT recipient LIKE ANY(${o.recipients.exclude}::text[])`}
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
  const expired = sql`SELECT id, leased_by FROM outbox_messages WHERE status = 'sending' AND lease_until < ${now} FOR UPDATE SKIP LOCKED`;
  return requeue(db, expired, now, sql`'lease of ' || expired.leased_by || ' expired'`);
}

/**
 * Puts back in the queue, at once, messages this worker still leases but whose record failed (the
 * database went away): as a take-over after their lease would, without waiting for it to run out.
 */
export async function releaseLeases(db: Kysely<DB>, o: { ids: readonly number[]; workerId: string; now: Date }): Promise<{ reclaimed: number; unknownAttempts: number }> {
  if (o.ids.length === 0) return { reclaimed: 0, unknownAttempts: 0 };
  const mine = sql`SELECT id, leased_by FROM outbox_messages WHERE id = ANY(${o.ids}::bigint[]) AND status = 'sending' AND leased_by = ${o.workerId} FOR UPDATE`;
  return requeue(db, mine, o.now, sql`expired.leased_by || ' could not record its work'`);
}

async function requeue(db: Kysely<DB>, which: RawBuilder<unknown>, now: Date, why: RawBuilder<unknown>): Promise<{ reclaimed: number; unknownAttempts: number }> {
  const r = await sql<{ reclaimed: number; unknown_attempts: number }>`
    WITH expired AS (${which}), requeued AS (
      UPDATE outbox_messages m
      SET status = 'queued', leased_by = NULL, lease_until = NULL, updated_at = ${now}, last_error = ${why}
      FROM expired WHERE m.id = expired.id
      RETURNING m.id
    ), closed AS (
      UPDATE message_attempts a
      SET outcome = 'unknown', finished_at = ${now}, error = ${why} || ' during the attempt: it may have been sent'
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

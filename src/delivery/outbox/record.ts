import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { SendResult } from '../channels/types.js';
import { handOver, type FailureContext } from './fallback.js';
import type { OutboxMessage, OutboxRow } from './message.js';
import { applyReceipts, lockProviderIds, messagesWithReceipts } from './receipts.js';
import type { AttemptOutcome, MessageStatus } from './tables.js';

// Every write below is conditional on the worker still holding the lease: a worker that hung past
// its lease must not overwrite what the worker that took over has done.

export interface LeaseRef {
  messageId: number;
  workerId: string;
  now: Date;
}

export interface AttemptStart extends LeaseRef {
  msg: OutboxMessage;
}

/**
 * Records the start of attempts (before the requests leave), renews their leases and stores texts
 * rendered at send time, set-based. One attempt id per item, in order; null: the lease was lost,
 * do not send.
 */
export async function startAttempts(db: Kysely<DB>, o: { provider: string; leaseSeconds: number }, items: readonly AttemptStart[]): Promise<Array<number | null>> {
  const r = await sql<{ id: number; message_id: number }>`
    WITH t AS (
      SELECT * FROM unnest(${items.map((i) => i.messageId)}::bigint[], ${items.map((i) => i.workerId)}::text[], ${items.map((i) => i.now.toISOString())}::timestamptz[],
        ${items.map((i) => new Date(i.now.getTime() + o.leaseSeconds * 1000).toISOString())}::timestamptz[],
        ${items.map((i) => i.msg.subject)}::text[], ${items.map((i) => i.msg.html)}::text[], ${items.map((i) => i.msg.body)}::text[])
        AS t(id, worker, now, lease_until, subject, html, body)
    ), m AS (
      UPDATE outbox_messages o
      SET attempts = o.attempts + 1, first_attempt_at = COALESCE(o.first_attempt_at, t.now), lease_until = t.lease_until, updated_at = t.now,
          subject = CASE WHEN o.body IS NULL THEN t.subject ELSE o.subject END,
          html = CASE WHEN o.body IS NULL THEN t.html ELSE o.html END,
          body = COALESCE(o.body, t.body)
      FROM t
      WHERE o.id = t.id AND o.status = 'sending' AND o.leased_by = t.worker
      RETURNING o.id, o.attempts, t.worker, t.now
    )
    INSERT INTO message_attempts (message_id, attempt, worker, provider, started_at)
    SELECT id, attempts, worker, ${o.provider}, now FROM m
    RETURNING id, message_id`.execute(db);
  const attemptOf = new Map(r.rows.map((a) => [Number(a.message_id), Number(a.id)]));
  return items.map((i) => attemptOf.get(i.messageId) ?? null);
}

async function finishAttempt(db: Kysely<DB>, attemptId: number, outcome: AttemptOutcome, now: Date, answer: string | null, error: string | null): Promise<void> {
  await db.updateTable('message_attempts').set({ outcome, finished_at: now, answer, error }).where('id', '=', attemptId).execute();
}

export interface SentRecord extends LeaseRef {
  attemptId: number;
  result: SendResult;
  costMinor: number | null;
}

/**
 * The provider accepted the messages (set-based, in one transaction). Also taken when the lease
 * ran out but nobody has claimed the message again yet, which avoids a needless resend. Applies
 * receipts that came first. One status per item, in order; 'lost': another worker has it now.
 */
export async function markSent(db: Kysely<DB>, provider: string, items: readonly SentRecord[], ctx: FailureContext): Promise<Array<MessageStatus | 'lost'>> {
  return db.transaction().execute(async (tx) => {
    await lockProviderIds(tx, provider, items.flatMap((i) => i.result.providerMessageIds));
    const rows = (
      await sql<OutboxRow>`
        WITH t AS (
          SELECT * FROM unnest(${items.map((i) => i.messageId)}::bigint[], ${items.map((i) => i.attemptId)}::bigint[], ${items.map((i) => i.workerId)}::text[],
            ${items.map((i) => i.now.toISOString())}::timestamptz[], ${items.map((i) => i.result.answer ?? null)}::text[],
            ${items.map((i) => JSON.stringify(i.result.providerMessageIds))}::text[], ${items.map((i) => i.result.segments ?? null)}::int[],
            ${items.map((i) => i.result.encoding ?? null)}::text[], ${items.map((i) => i.costMinor)}::int[])
            AS t(id, attempt_id, worker, now, answer, ids, segments, encoding, cost_minor)
        ), attempt AS (
          UPDATE message_attempts a SET outcome = 'accepted', finished_at = t.now, answer = t.answer, error = NULL
          FROM t WHERE a.id = t.attempt_id
        )
        UPDATE outbox_messages o
        SET status = 'sent', sent_at = t.now, updated_at = t.now, provider = ${provider},
            provider_message_ids = ARRAY(SELECT jsonb_array_elements_text(t.ids::jsonb)),
            segments = t.segments, encoding = t.encoding, cost_minor = t.cost_minor,
            leased_by = NULL, lease_until = NULL, last_error = NULL
        FROM t
        WHERE o.id = t.id AND ((o.status = 'sending' AND o.leased_by = t.worker) OR o.status = 'queued')
        RETURNING o.*`.execute(tx)
    ).rows;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const withReceipts = await messagesWithReceipts(tx, provider, rows);
    const status: Array<MessageStatus | 'lost'> = [];
    for (const item of items) {
      const row = byId.get(item.messageId);
      status.push(row === undefined ? 'lost' : withReceipts.has(row.id) ? await applyReceipts(tx, row, item.now, ctx) : 'sent');
    }
    return status;
  });
}

/** A transient failure: back in the queue until `notBefore`. */
export async function markRetry(
  db: Kysely<DB>,
  o: LeaseRef & { attemptId: number; outcome: AttemptOutcome; error: string; notBefore: Date },
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await finishAttempt(tx, o.attemptId, o.outcome, o.now, null, o.error);
    await tx
      .updateTable('outbox_messages')
      .set({ status: 'queued', not_before: o.notBefore, leased_by: null, lease_until: null, last_error: o.error, updated_at: o.now })
      .where('id', '=', o.messageId)
      .where('status', '=', 'sending')
      .where('leased_by', '=', o.workerId)
      .execute();
  });
}

/**
 * Failed for good (a permanent failure, retries past their maximum age, texts that cannot be
 * rendered): the message ends failed and its fallback chain takes over. attemptId null: no attempt
 * was made.
 */
export async function markFailed(
  db: Kysely<DB>,
  o: LeaseRef & { attemptId: number | null; outcome: AttemptOutcome; error: string; hardFailure: boolean },
  ctx: FailureContext,
): Promise<number | null> {
  return db.transaction().execute(async (tx) => {
    if (o.attemptId !== null) await finishAttempt(tx, o.attemptId, o.outcome, o.now, null, o.error);
    const failed = await tx
      .updateTable('outbox_messages')
      .set({ status: 'failed', final_at: o.now, updated_at: o.now, leased_by: null, lease_until: null, last_error: o.error })
      .where('id', '=', o.messageId)
      .where('status', '=', 'sending')
      .where('leased_by', '=', o.workerId)
      .returningAll()
      .executeTakeFirst();
    return failed ? handOver(tx, failed, { hardFailure: o.hardFailure, now: o.now, ctx }) : null;
  });
}

export type Unsent =
  | { status: 'cancelled'; reason: string }
  | { status: 'expired' }
  /** Back in the queue: quiet hours (until the window opens) or the worker is stopping. */
  | { status: 'queued'; notBefore?: Date };

/** Ends or returns a claimed message that was not sent. */
export async function settleUnsent(db: Kysely<DB>, o: LeaseRef & { outcome: Unsent }): Promise<void> {
  const u = o.outcome;
  await db
    .updateTable('outbox_messages')
    .set({
      status: u.status,
      leased_by: null,
      lease_until: null,
      updated_at: o.now,
      ...(u.status === 'cancelled' ? { cancel_reason: u.reason, final_at: o.now } : {}),
      ...(u.status === 'expired' ? { final_at: o.now } : {}),
      ...(u.status === 'queued' && u.notBefore ? { not_before: u.notBefore } : {}),
    })
    .where('id', '=', o.messageId)
    .where('status', '=', 'sending')
    .where('leased_by', '=', o.workerId)
    .execute();
}

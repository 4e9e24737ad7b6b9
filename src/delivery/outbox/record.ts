import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { SendResult } from '../channels/types.js';
import { handOver, type FailureContext } from './fallback.js';
import type { OutboxMessage } from './message.js';
import { journalWrite } from './journal-write.js';
import { applyReceipts, receiptRows, type ReceiptInput, type ReceiptResult } from './receipts.js';
import { settleReceipts } from './settle.js';
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
 * rendered at send time, set-based, in one call of izvestie_start_attempts (migration 0028: a
 * function, for its cached plan). One attempt id per item, in order; null: the lease was lost, do
 * not send.
 */
export async function startAttempts(db: Kysely<DB>, o: { provider: string; leaseSeconds: number }, items: readonly AttemptStart[]): Promise<Array<number | null>> {
  if (items.length === 0) return [];
  const r = await sql<{ attempt_id: number; message_id: number }>`
    SELECT * FROM izvestie_start_attempts(${o.provider}::text, ${items.map((i) => i.messageId)}::bigint[], ${items.map((i) => i.workerId)}::text[],
      ${items.map((i) => i.now.toISOString())}::timestamptz[], ${items.map((i) => new Date(i.now.getTime() + o.leaseSeconds * 1000).toISOString())}::timestamptz[],
      ${items.map((i) => i.msg.subject)}::text[], ${items.map((i) => i.msg.html)}::text[], ${items.map((i) => i.msg.body)}::text[],
      ${items.map((i) => i.msg.templateVersion)}::int[])`.execute(db);
  const attemptOf = new Map(r.rows.map((a) => [Number(a.message_id), Number(a.attempt_id)]));
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

/** One entry of the worker's journal of a provider: a send to record, or a receipt that came over the provider's own bind. */
export type JournalEntry = { sent: SentRecord } | { receipt: ReceiptInput };
export type JournalResult = MessageStatus | 'lost' | ReceiptResult;

/**
 * Writes a group of journal entries in one transaction: the sends accepted, with one statement,
 * then the receipts (as recordReceipts). A send is recorded while the worker holds the lease, and
 * also when the lease ran out but nobody has claimed the message again yet (which avoids a needless
 * resend). Results in order: the status of a send ('delivered' or 'failed' when receipts came
 * first) or 'lost' (another worker has it now), a receipt's ReceiptResult.
 *
 * Early receipts: the provider-id locks come first, in a statement of their own (recordReceipts
 * takes them too, shared, and holds them until it commits). The writes that follow see every
 * receipt committed before, link the waiting ones and apply them, in the same transaction as the
 * send: there is no moment, not even after a crash, at which a send is recorded and a receipt of
 * it stored but not linked. A receipt stored later waits for the lock, then finds the message sent
 * and applies itself. A receipt naming the outbox id (a bounce) locks the message row instead,
 * which the sent UPDATE waits for: the settling runs after it, in a later snapshot.
 * The receipts of the provider's own bind come in the same write, after the sends: one that arrived
 * before its send's record (before the submit_sm_resp, or while the record waited for its commit)
 * finds the send recorded by an earlier statement of the same transaction. One transaction instead
 * of two that waited for each other's locks, and the locks, the sends and the receipts in one round
 * trip (journalWrite; measured: BENCHMARKS.md, receipts).
 */
export async function writeJournal(db: Kysely<DB>, o: { provider: string; ctx: FailureContext }, entries: readonly JournalEntry[]): Promise<JournalResult[]> {
  const sents = entries.flatMap((e) => ('sent' in e ? [e.sent] : []));
  const now = new Date();
  const rows = receiptRows(
    entries.flatMap((e) => ('receipt' in e ? [e.receipt] : [])),
    now,
  );
  const { statusOf, receiptResults } = await db.transaction().execute(async (tx) => {
    const { sent, stored } = await journalWrite(tx, { provider: o.provider, now, sents, receipts: rows });
    // The rows are locked by the sent UPDATE; this later statement sees the receipts it linked.
    // Mostly there are none: a receipt that came before its send's record is mostly in the same write.
    const statusOf = await settleReceipts(tx, sent.filter((x) => x.linked).map((x) => x.id), sents[0]?.now ?? now, o.ctx);
    for (const x of sent) if (!statusOf.has(x.id)) statusOf.set(x.id, x.delivered ? 'delivered' : 'sent');
    const receiptResults = await applyReceipts(tx, rows, stored, now, o.ctx);
    return { statusOf, receiptResults };
  });
  let r = 0;
  return entries.map((e) => ('sent' in e ? (statusOf.get(e.sent.messageId) ?? 'lost') : (receiptResults[r++] as ReceiptResult)));
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

import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { handOver, type FailureContext } from './fallback.js';
import type { OutboxRow } from './message.js';
import type { MessageStatus } from './tables.js';

/**
 * A delivery receipt as a channel adapter hands it over. status uses the SMPP spelling
 * (DELIVRD, UNDELIV, REJECTD, EXPIRED, DELETED, ENROUTE, ACCEPTD, UNKNOWN); adapters of other
 * providers map onto it (an email hard bounce is UNDELIV, a delay ENROUTE).
 */
export interface ReceiptInput {
  provider: string;
  providerMessageId: string;
  status: string;
  error?: string | null;
  raw?: string | null;
  receivedAt?: Date;
  /** The outbox id when the receipt names it itself (an email bounce by VERP). */
  messageId?: number;
}

export interface ReceiptResult {
  duplicate: boolean;
  /** The message it was matched to; null: kept until the send is recorded. */
  messageId: number | null;
  /** The message's status afterwards. */
  status: MessageStatus | null;
}

const FAILED = ['UNDELIV', 'REJECTD', 'EXPIRED', 'DELETED'];
// The contact itself refused it; an expired one may just have been switched off for days.
const HARD = new Set(['UNDELIV', 'REJECTD']);

/**
 * Serialises the receipt of a provider id with the recording of the send that produced it, so an
 * early receipt and the record of its send (writeJournal) cannot both miss each other (each looks after taking the lock).
 */
export async function lockProviderIds(tx: Kysely<DB>, provider: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`${providerIdLocks(provider, ids)}`.execute(tx);
}

/**
 * The query that takes those locks (in a fixed order, so two takers cannot deadlock), one row `n`:
 * how many it took. writeJournal takes them inside its own statement.
 */
export function providerIdLocks(provider: string, ids: readonly string[]) {
  return sql<{ n: number }>`
    SELECT count(pg_advisory_xact_lock(7270, h)) AS n
    FROM (SELECT DISTINCT hashtext(${provider} || chr(31) || i) AS h FROM unnest(${ids}::text[]) AS i ORDER BY h) ordered`;
}

/**
 * Of these just-sent rows, the ones with receipts to apply: linked to them already (a bounce that
 * named the outbox id) or waiting under one of their provider ids. Most have none, and are spared
 * applyReceipts' queries.
 */
export async function messagesWithReceipts(tx: Kysely<DB>, provider: string, rows: ReadonlyArray<Pick<OutboxRow, 'id' | 'provider_message_ids'>>): Promise<Set<number>> {
  if (rows.length === 0) return new Set();
  const r = await sql<{ message_id: number | null; provider_message_id: string }>`
    SELECT message_id, provider_message_id FROM delivery_receipts WHERE message_id = ANY(${rows.map((row) => row.id)}::bigint[])
    UNION ALL
    SELECT NULL, provider_message_id FROM delivery_receipts
    WHERE message_id IS NULL AND provider = ${provider} AND provider_message_id = ANY(${rows.flatMap((row) => row.provider_message_ids)}::text[])`.execute(tx);
  const found = new Set<number>();
  const waiting = new Set<string>();
  for (const x of r.rows) {
    if (x.message_id !== null) found.add(Number(x.message_id));
    else waiting.add(x.provider_message_id);
  }
  for (const row of rows) if (row.provider_message_ids.some((id) => waiting.has(id))) found.add(row.id);
  return found;
}

/**
 * Settles a sent message from its receipts: any part failed → failed (and the fallback chain
 * takes over, as the message did not arrive); every part delivered → delivered. Links receipts
 * that arrived before the send was recorded. `row` must be locked by this transaction.
 */
export async function applyReceipts(tx: Kysely<DB>, row: OutboxRow, now: Date, ctx: FailureContext): Promise<MessageStatus> {
  if (row.status !== 'sent') return row.status;
  // Receipts linked by this statement are not yet visible to its own scan, hence the union.
  const seen = (
    await sql<{ status: string; parts: number; last: Date; error: string | null }>`
      WITH linked AS (
        UPDATE delivery_receipts SET message_id = ${row.id}
        WHERE message_id IS NULL AND provider = ${row.provider} AND provider_message_id = ANY(${row.provider_message_ids}::text[])
        RETURNING status, provider_message_id, received_at, error
      )
      SELECT status, count(DISTINCT provider_message_id)::int AS parts, max(received_at) AS last, max(error) AS error
      FROM (
        SELECT status, provider_message_id, received_at, error FROM delivery_receipts WHERE message_id = ${row.id}
        UNION ALL SELECT * FROM linked
      ) r
      GROUP BY status`.execute(tx)
  ).rows;
  const failure = seen.find((s) => FAILED.includes(s.status));
  if (failure) {
    const failed = await tx
      .updateTable('outbox_messages')
      .set({ status: 'failed', final_at: now, updated_at: now, last_error: `receipt ${failure.status}${failure.error ? ` (${failure.error})` : ''}` })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await handOver(tx, failed, { hardFailure: HARD.has(failure.status), now, ctx });
    return 'failed';
  }
  const delivered = seen.find((s) => s.status === 'DELIVRD');
  if (delivered && Number(delivered.parts) >= Math.max(1, row.provider_message_ids.length)) {
    await tx
      .updateTable('outbox_messages')
      .set({ status: 'delivered', delivered_at: delivered.last, final_at: delivered.last, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    return 'delivered';
  }
  return 'sent';
}

/**
 * Stores a receipt once (a repeat changes nothing) and applies it to its message: matched by
 * the outbox id it names, else by provider and provider message id. A receipt for a message
 * whose send is not recorded yet waits, and writeJournal applies it.
 */
export async function recordReceipt(db: Kysely<DB>, r: ReceiptInput, ctx: FailureContext): Promise<ReceiptResult> {
  const status = r.status.trim().toUpperCase();
  const receivedAt = r.receivedAt ?? new Date();
  return db.transaction().execute(async (tx) => {
    await lockProviderIds(tx, r.provider, [r.providerMessageId]);
    const stored = await tx
      .insertInto('delivery_receipts')
      .values({ provider: r.provider, provider_message_id: r.providerMessageId, status, error: r.error ?? null, raw: r.raw ?? null, received_at: receivedAt })
      .onConflict((oc) => oc.columns(['provider', 'provider_message_id', 'status']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!stored) return { duplicate: true, messageId: null, status: null };
    let q = tx.selectFrom('outbox_messages').selectAll().forUpdate();
    q =
      r.messageId !== undefined
        ? q.where('id', '=', r.messageId)
        : q.where('provider', '=', r.provider).where('provider_message_ids', '@>', sql<string[]>`ARRAY[${r.providerMessageId}]::text[]`);
    const row = await q.executeTakeFirst();
    if (!row) return { duplicate: false, messageId: null, status: null };
    await tx.updateTable('delivery_receipts').set({ message_id: row.id }).where('id', '=', stored.id).execute();
    return { duplicate: false, messageId: row.id, status: await applyReceipts(tx, row, receivedAt, ctx) };
  });
}

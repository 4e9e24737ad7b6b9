import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { FailureContext } from './fallback.js';
import { groupCommit } from './group-commit.js';
import { journalWrite, type ReceiptRow, type StoredReceipt } from './journal-write.js';
import { FAILED_STATUSES, settleReceipts } from './settle.js';
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

// The planner cannot estimate a GIN look-up of ids that each occur once (it guesses thousands of
// rows and scans the table); every statement of the sweep looks rows up by key, so its transaction
// plans with index scans only (the journal function sets the same for its own, migration 0025).
// With years of history in the table (10 million messages) the same misestimate also plans the
// look-up in parallel and JIT-compiles it: 0.2-1.3 s a statement; neither pays for a look-up by key.
const indexLookupsOnly = sql`set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`;

/** A CTE `found` (provider, pmid, id, status, parts): the messages sent under these provider ids. */
function messagesByProviderId(ids: readonly string[]) {
  return sql`found AS (
    SELECT DISTINCT ON (o.provider, x.pmid) o.provider, x.pmid, o.id, o.status, cardinality(o.provider_message_ids) AS parts
    FROM outbox_messages o CROSS JOIN LATERAL unnest(o.provider_message_ids) AS x(pmid)
    WHERE o.provider_message_ids && ${ids}::text[] AND x.pmid = ANY(${ids}::text[])
    ORDER BY o.provider, x.pmid, o.id DESC
  )`;
}

/**
 * Stores a group of receipts in one transaction (a repeat of a stored one changes nothing) and
 * applies them to their messages, set-based: matched by the outbox id a receipt names, else by
 * provider and provider message id. A receipt whose send is not recorded yet waits unlinked, and
 * writeJournal links and applies it. When this resolves the group is committed: only then may the
 * provider be told it was received. One result per receipt, in order.
 */
export async function recordReceipts(db: Kysely<DB>, receipts: readonly ReceiptInput[], ctx: FailureContext): Promise<ReceiptResult[]> {
  if (receipts.length === 0) return [];
  const now = new Date();
  const rows = receiptRows(receipts, now);
  return db.transaction().execute(async (tx) => {
    const { stored } = await journalWrite(tx, { provider: null, now, sents: [], receipts: rows });
    return applyReceipts(tx, rows, stored, now, ctx);
  });
}

/** Receipts as stored: the status upper-cased, the time of arrival set. */
export function receiptRows(receipts: readonly ReceiptInput[], now: Date): ReceiptRow[] {
  return receipts.map((r) => ({ ...r, status: r.status.trim().toUpperCase(), receivedAt: r.receivedAt ?? now }));
}

/**
 * What journalWrite leaves of storing receipts, in its transaction: settles the messages whose
 * receipts were not settled there (multi-part messages, failures, receipts naming an outbox id) and
 * answers for each receipt, in order.
 */
export async function applyReceipts(tx: Kysely<DB>, rows: readonly ReceiptRow[], stored: readonly StoredReceipt[], now: Date, ctx: FailureContext): Promise<ReceiptResult[]> {
  if (rows.length === 0) return [];
  const key = (provider: string, id: string, status: string) => `${provider}\u001f${id}\u001f${status}`;
  const linkedTo = new Map(stored.map((s) => [key(s.provider, s.provider_message_id, s.status), s.message_id]));
  const statusOf = new Map<number, MessageStatus>();
  for (const s of stored) {
    if (s.message_id === null) continue;
    if (s.delivered) statusOf.set(s.message_id, 'delivered');
    else if (s.message_status !== null && !statusOf.has(s.message_id)) statusOf.set(s.message_id, s.message_status);
  }
  // Only a final status can change a message (ENROUTE, ACCEPTD and the like cannot), and a
  // message whose receipts do not all come with a named id or a delivered one-part send.
  const final = new Set(['DELIVRD', ...FAILED_STATUSES]);
  const touched = [
    ...new Set(stored.filter((s) => s.message_id !== null && !s.delivered && (final.has(s.status) || s.message_status === null)).map((s) => Number(s.message_id))),
  ].sort((a, b) => a - b);
  if (touched.length > 0) {
    // Locked before the receipts are read: two groups with receipts of different parts of one
    // message then settle it one after the other, the second seeing the first's receipts. NO KEY
    // UPDATE, as the UPDATEs take: FOR UPDATE would wait for the key-share locks the other
    // group's inserted receipts hold on the message, while that group waits for ours.
    const locked = await sql<{ id: number; status: MessageStatus }>`
      SELECT id, status FROM outbox_messages WHERE id = ANY(${touched}::bigint[]) ORDER BY id FOR NO KEY UPDATE`.execute(tx);
    for (const m of locked.rows) statusOf.set(Number(m.id), m.status);
    for (const [id, status] of await settleReceipts(tx, touched, now, ctx)) statusOf.set(id, status);
  }
  return rows.map((r): ReceiptResult => {
    const k = key(r.provider, r.providerMessageId, r.status);
    if (!linkedTo.has(k)) return { duplicate: true, messageId: null, status: null };
    const messageId = linkedTo.get(k) ?? null;
    linkedTo.delete(k); // a second equal receipt in the group is the duplicate
    return { duplicate: false, messageId, status: messageId === null ? null : (statusOf.get(messageId) ?? null) };
  });
}

/** One receipt, in a transaction of its own (see recordReceipts). */
export async function recordReceipt(db: Kysely<DB>, r: ReceiptInput, ctx: FailureContext): Promise<ReceiptResult> {
  const [result] = await recordReceipts(db, [r], ctx);
  if (result === undefined) throw new Error('recordReceipts returned no result');
  return result;
}

// Receipts that arrive while a group is being written go together in the next one. One group at a
// time: a transaction costs PostgreSQL about as much CPU as dozens of receipts in it, so the
// receipts that arrive while one commits are better off waiting for the next than starting a
// second, smaller one (measured: BENCHMARKS.md, receipts).
const GROUP = { maxBatch: 500, concurrency: 1 };

/**
 * recordReceipt for a stream of receipts (an SMPP bind, a gateway's burst of callbacks): each call
 * resolves once its receipt is committed, with many receipts sharing one transaction. When a
 * shared transaction fails, each of its receipts is written alone, so one bad receipt fails only
 * its own call.
 */
export function receiptRecorder(db: Kysely<DB>, ctx: FailureContext): (r: ReceiptInput) => Promise<ReceiptResult> {
  return groupCommit((rs: ReceiptInput[]) => recordReceipts(db, rs, ctx), GROUP);
}

/**
 * The sweep: links receipts still waiting whose message is known by now, and settles those
 * messages. The send's record links them itself, in its own transaction, so this finds only what
 * that could not see: receipts stored by an older version, or by a provider that reused an id.
 * Returns how many it linked (at most `limit` a call). Every waiting receipt is looked at on each
 * call, so call it every few minutes, not in a loop.
 */
export async function linkWaitingReceipts(db: Kysely<DB>, ctx: FailureContext, o: { limit?: number } = {}): Promise<number> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT ${indexLookupsOnly}`.execute(tx);
    const waiting = await tx
      .selectFrom('delivery_receipts')
      .select('provider_message_id')
      .where('message_id', 'is', null)
      .orderBy('id')
      .execute();
    const linked = await sql<{ message_id: number }>`
      WITH ${messagesByProviderId([...new Set(waiting.map((w) => w.provider_message_id))])}, w AS (
        SELECT r.id, found.id AS message_id
        FROM delivery_receipts r JOIN found ON found.provider = r.provider AND found.pmid = r.provider_message_id
        WHERE r.message_id IS NULL
        ORDER BY r.id LIMIT ${o.limit ?? 1000}
        FOR UPDATE OF r SKIP LOCKED
      )
      UPDATE delivery_receipts r SET message_id = w.message_id FROM w WHERE r.id = w.id
      RETURNING r.message_id`.execute(tx);
    const ids = [...new Set(linked.rows.map((x) => Number(x.message_id)))].sort((a, b) => a - b);
    if (ids.length > 0) {
      await sql`SELECT id FROM outbox_messages WHERE id = ANY(${ids}::bigint[]) ORDER BY id FOR NO KEY UPDATE`.execute(tx);
      await settleReceipts(tx, ids, new Date(), ctx);
    }
    return linked.rows.length;
  });
}

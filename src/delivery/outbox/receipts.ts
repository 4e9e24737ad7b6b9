import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { FailureContext } from './fallback.js';
import { groupCommit } from './group-commit.js';
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

/**
 * The query that serialises receipts of provider ids with the recording of the sends that produced
 * them, so an early receipt and the record of its send cannot miss each other: each side takes the
 * locks in a statement of its own, then looks in a later statement (a later snapshot). Receipts
 * take them shared (two receipts never need to wait for each other here), the record of a send
 * exclusive (an id both sent and received in one journal write: exclusive). In a fixed order, so
 * two takers cannot deadlock; one row `n`: how many were taken.
 */
export function providerIdLocks(ids: ReadonlyArray<{ provider: string; id: string; exclusive: boolean }>) {
  return sql<{ n: number }>`
    SELECT count(CASE WHEN x THEN pg_advisory_xact_lock(7270, h) ELSE pg_advisory_xact_lock_shared(7270, h) END) AS n
    FROM (
      SELECT hashtext(p || chr(31) || i) AS h, bool_or(x) AS x
      FROM unnest(${ids.map((x) => x.provider)}::text[], ${ids.map((x) => x.id)}::text[], ${ids.map((x) => x.exclusive)}::boolean[]) AS t(p, i, x)
      GROUP BY 1 ORDER BY h
    ) ordered`;
}

/** The locks a group of receipts takes (see providerIdLocks): shared, on the ids of those naming no outbox id. */
export function receiptLocks(receipts: readonly ReceiptInput[]): Array<{ provider: string; id: string; exclusive: boolean }> {
  return receipts.map((r) => ({ provider: r.provider, id: r.providerMessageId, exclusive: false }));
}

// The planner cannot estimate a GIN look-up of ids that each occur once (it guesses thousands of
// rows and scans the table); every statement of a receipt transaction looks rows up by key, so
// the transaction plans with index scans only.
// With years of history in the table (10 million messages) the same misestimate also plans the
// look-up in parallel and JIT-compiles it: 0.2-1.3 s a statement; neither pays for a look-up by key.
export const indexLookupsOnly = sql`set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`;

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
  return db.transaction().execute(async (tx) => {
    await sql`SELECT ${indexLookupsOnly}, (${providerIdLocks(receiptLocks(receipts))})`.execute(tx);
    return storeReceipts(tx, receipts, ctx);
  });
}

/**
 * The body of recordReceipts, in the caller's transaction, which has set indexLookupsOnly and
 * taken the receipts' locks (receiptLocks) in an earlier statement: the journal of a provider's
 * sends stores the receipts of its own bind with its records (record.ts).
 */
export async function storeReceipts(tx: Kysely<DB>, receipts: readonly ReceiptInput[], ctx: FailureContext): Promise<ReceiptResult[]> {
  if (receipts.length === 0) return [];
  const now = new Date();
  const rows = receipts.map((r) => ({ ...r, status: r.status.trim().toUpperCase(), receivedAt: r.receivedAt ?? now }));
  // The messages are looked up for the whole group at once: one GIN index scan for every id (one
  // look-up per receipt, with a LIMIT, is planned as a sequential scan). Inserted in input order:
  // of two equal receipts in one group, the first is the one stored.
  // The common case is settled in the same statement: a DELIVRD receipt of a one-part message
  // that is sent is all there is to know, whatever other groups do meanwhile (the UPDATE waits
  // for a row lock and looks again at the row's status). Everything else is settled below.
  const stored = await sql<{ provider: string; provider_message_id: string; status: string; message_id: number | null; message_status: MessageStatus | null; delivered: boolean }>`
    WITH i AS (
      SELECT * FROM unnest(${rows.map((r) => r.provider)}::text[], ${rows.map((r) => r.providerMessageId)}::text[], ${rows.map((r) => r.status)}::text[],
        ${rows.map((r) => r.error ?? null)}::text[], ${rows.map((r) => r.raw ?? null)}::text[], ${rows.map((r) => r.receivedAt.toISOString())}::timestamptz[],
        ${rows.map((r) => r.messageId ?? null)}::bigint[]) WITH ORDINALITY AS t(provider, pmid, status, error, raw, received_at, named, n)
    ), ${messagesByProviderId(rows.filter((r) => r.messageId === undefined).map((r) => r.providerMessageId))},
    ins AS (
      INSERT INTO delivery_receipts (provider, provider_message_id, status, error, raw, received_at, message_id)
      SELECT i.provider, i.pmid, i.status, i.error, i.raw, i.received_at,
        CASE WHEN i.named IS NOT NULL THEN (SELECT o.id FROM outbox_messages o WHERE o.id = i.named) ELSE found.id END
      FROM i LEFT JOIN found ON i.named IS NULL AND found.provider = i.provider AND found.pmid = i.pmid
      ORDER BY i.n
      ON CONFLICT (provider, provider_message_id, status) DO NOTHING
      RETURNING provider, provider_message_id, status, message_id, received_at
    ), delivered AS (
      UPDATE outbox_messages o SET status = 'delivered', delivered_at = ins.received_at, final_at = ins.received_at, updated_at = ${now}
      FROM ins
      WHERE o.id = ins.message_id AND ins.status = 'DELIVRD' AND o.status = 'sent' AND cardinality(o.provider_message_ids) <= 1
      RETURNING o.id
    )
    SELECT ins.provider, ins.provider_message_id, ins.status, ins.message_id, found.status AS message_status,
      ins.message_id IN (SELECT id FROM delivered) AS delivered
    FROM ins LEFT JOIN found ON found.provider = ins.provider AND found.pmid = ins.provider_message_id`.execute(tx);
  const key = (provider: string, id: string, status: string) => `${provider}\u001f${id}\u001f${status}`;
  const linkedTo = new Map(stored.rows.map((s) => [key(s.provider, s.provider_message_id, s.status), s.message_id === null ? null : Number(s.message_id)]));
  const statusOf = new Map<number, MessageStatus>();
  for (const s of stored.rows) {
    if (s.message_id === null) continue;
    if (s.delivered) statusOf.set(Number(s.message_id), 'delivered');
    else if (s.message_status !== null && !statusOf.has(Number(s.message_id))) statusOf.set(Number(s.message_id), s.message_status);
  }
  // Only a final status can change a message (ENROUTE, ACCEPTD and the like cannot), and a
  // message whose receipts do not all come with a named id or a delivered one-part send.
  const final = new Set(['DELIVRD', ...FAILED_STATUSES]);
  const touched = [
    ...new Set(stored.rows.filter((s) => s.message_id !== null && !s.delivered && (final.has(s.status) || s.message_status === null)).map((s) => Number(s.message_id))),
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

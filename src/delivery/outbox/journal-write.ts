import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { ReceiptInput } from './receipts.js';
import type { SentRecord } from './record.js';
import type { MessageStatus } from './tables.js';

/** A receipt as stored: its status upper-cased, its time set. */
export type ReceiptRow = ReceiptInput & { receivedAt: Date };

export interface StoredReceipt {
  provider: string;
  provider_message_id: string;
  status: string;
  message_id: number | null;
  /** The status of the message it was linked to, as found before this write. */
  message_status: MessageStatus | null;
  /** This write delivered the message (a DELIVRD receipt of a sent one-part message). */
  delivered: boolean;
}

/**
 * One round trip for the body of a journal write (izvestie_journal_write, migrations 0025, 0026 and 0030): the
 * provider-id locks, the acceptances of `provider`'s sends, then the receipts, each in a statement of
 * its own. In the caller's transaction, which settles what the function leaves (see record.ts and
 * receipts.ts). Returns the sends recorded (with whether they linked receipts that were waiting, and
 * whether their receipts, all DELIVRD, delivered them with the record: migration 0030) and the
 * receipts stored (a repeat of a stored one is not among them).
 */
export async function journalWrite(
  tx: Kysely<DB>,
  o: { provider: string | null; now: Date; sents: readonly SentRecord[]; receipts: readonly ReceiptRow[] },
): Promise<{ sent: Array<{ id: number; linked: boolean; delivered: boolean }>; stored: StoredReceipt[] }> {
  const { sents: s, receipts: r } = o;
  const rows = await sql<{ kind: 'sent' | 'receipt'; message_id: number | null; linked: boolean | null } & Omit<StoredReceipt, 'message_id' | 'delivered'> & { delivered: boolean | null }>`
    SELECT * FROM izvestie_journal_write(${o.provider}::text, ${o.now.toISOString()}::timestamptz,
      ${s.map((i) => i.messageId)}::bigint[], ${s.map((i) => i.attemptId)}::bigint[], ${s.map((i) => i.workerId)}::text[],
      ${s.map((i) => i.now.toISOString())}::timestamptz[], ${s.map((i) => i.result.answer ?? null)}::text[],
      ${s.map((i) => JSON.stringify(i.result.providerMessageIds))}::text[], ${s.map((i) => i.result.segments ?? null)}::int[],
      ${s.map((i) => i.result.encoding ?? null)}::text[], ${s.map((i) => i.costMinor)}::int[],
      ${r.map((x) => x.provider)}::text[], ${r.map((x) => x.providerMessageId)}::text[], ${r.map((x) => x.status)}::text[],
      ${r.map((x) => x.error ?? null)}::text[], ${r.map((x) => x.raw ?? null)}::text[], ${r.map((x) => x.receivedAt.toISOString())}::timestamptz[],
      ${r.map((x) => x.messageId ?? null)}::bigint[])`.execute(tx);
  const sent: Array<{ id: number; linked: boolean; delivered: boolean }> = [];
  const stored: StoredReceipt[] = [];
  for (const x of rows.rows) {
    if (x.kind === 'sent') sent.push({ id: Number(x.message_id), linked: x.linked === true, delivered: x.delivered === true });
    else {
      stored.push({
        provider: x.provider,
        provider_message_id: x.provider_message_id,
        status: x.status,
        message_id: x.message_id === null ? null : Number(x.message_id),
        message_status: x.message_status,
        delivered: x.delivered === true,
      });
    }
  }
  return { sent, stored };
}

import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { OutboxMessage } from '../outbox/message.js';
import { formatMoney } from '../text/money.js';
import type { ManifestRow } from './manifest.js';
import type { Letter } from './pdf.js';

export interface Sender {
  name: string;
  addressLines: string[];
}

type InvoiceLine = NonNullable<Letter['invoices']>[number];

/** What the print house needs of a letter besides its pages. */
export type Addressee = Omit<ManifestRow, 'sequence' | 'reference' | 'pageFrom' | 'pageTo'>;

/** The reference printed on every page of a letter and in the manifest: it names the outbox row. */
export const letterReference = (messageId: number): string => `IZV-${messageId}`;

const POSTCODE_TOWN = /^(\d{4})\s+(.+)$/;

/**
 * Reads the postal block "name\nstreet\npostcode town" of a letter's recipient. null: it has no
 * address under the name, so nothing could be delivered.
 */
export function parseAddressBlock(block: string): Addressee | null {
  const lines = block.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const [name, ...rest] = lines;
  if (name === undefined || rest.length === 0) return null;
  const last = POSTCODE_TOWN.exec(rest.at(-1) ?? '');
  // The manifest has columns of their own for the postcode and town, which the post sorts by.
  if (last) return { name, addressLines: rest.slice(0, -1), postcode: last[1] ?? '', town: last[2] ?? '' };
  return { name, addressLines: rest, postcode: '', town: '' };
}

function invoiceNumbers(payload: Record<string, unknown>): string[] {
  const list = payload.invoices;
  return Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string') : [];
}

const dotted = (iso: string): string => iso.split('-').reverse().join('.');

/**
 * The invoices table of each letter whose payload lists invoice numbers: those still unpaid, by
 * due date, with what is left to pay in euro. One query for the whole batch.
 */
export async function invoiceTables(db: Kysely<DB>, messages: readonly OutboxMessage[]): Promise<Map<number, InvoiceLine[]>> {
  const wanted = new Set(messages.flatMap((m) => invoiceNumbers(m.payload)));
  const tables = new Map<number, InvoiceLine[]>();
  if (wanted.size === 0) return tables;
  const rows = await db
    .selectFrom('invoices')
    .select(['invoice_number', 'due_date', 'amount_eur_minor', 'paid_eur_minor'])
    .where(sql<boolean>`invoice_number = ANY(${[...wanted]}::text[])`)
    .whereRef('paid_eur_minor', '<', 'amount_eur_minor')
    .orderBy('due_date')
    .orderBy('invoice_number')
    .execute();
  for (const m of messages) {
    const mine = new Set(invoiceNumbers(m.payload));
    if (mine.size === 0) continue;
    const lines = rows
      .filter((r) => mine.has(r.invoice_number))
      .map((r) => ({ number: r.invoice_number, dueDate: dotted(r.due_date), amount: formatMoney(r.amount_eur_minor - r.paid_eur_minor, 'EUR', m.lang) }));
    tables.set(m.id, lines);
  }
  return tables;
}

const TITLE = { bg: 'Известие', en: 'Notice' } as const;

/** One letter of the batch: the rendered text split into paragraphs under the subject as its title. */
export function composeLetter(msg: OutboxMessage, to: Addressee, o: { date: string; sender: Sender; invoices: InvoiceLine[] | undefined }): Letter {
  return {
    reference: letterReference(msg.id),
    date: o.date,
    sender: o.sender,
    recipient: { name: to.name, addressLines: [...to.addressLines, ...(to.postcode || to.town ? [`${to.postcode} ${to.town}`.trim()] : [])] },
    title: msg.subject ?? TITLE[msg.lang],
    paragraphs: msg.body.split(/\n[ \t]*\n/).map((p) => p.trim()).filter((p) => p !== ''),
    ...(o.invoices && o.invoices.length > 0 ? { invoices: o.invoices } : {}),
  };
}

// The disconnection list for field crews: customers at the disconnection stage on a day, unpaid
// above the minimum (in-transit payments count as paid) and without an active hold. It is worked
// out from the balances at the moment it is asked for, so a customer who pays drops off it.
import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import { csvRow } from '../csv-safe.js';
import type { DB } from '../db/schema.js';
import type { LocalDate } from './calendar/index.js';
import { loadCalendar } from './calendar-store.js';
import { evaluation } from './evaluate.js';
import { currentPolicy } from './policy-store.js';
import { planDay } from './stages.js';

export interface DisconnectionEntry {
  customer_number: string;
  name: string;
  street: string;
  postcode: string;
  town: string;
  customer_class: 'household' | 'business';
  total: number;
  invoices: string[];
  oldest_due: LocalDate;
  /** The day the customer reached the list in this overdue episode. */
  listed_since: LocalDate;
}

export async function disconnectionList(db: Kysely<DB>, date: LocalDate): Promise<DisconnectionEntry[]> {
  const { policy } = await currentPolicy(db);
  const calendar = await loadCalendar(db);
  const r = await sql<Omit<DisconnectionEntry, 'listed_since'>>`
    SELECT e.customer_number, c.name, c.street, c.postcode, c.town, e.customer_class, e.total, e.invoices, e.oldest_due
      FROM (${evaluation({ plan: planDay(policy, calendar, date) })}) e
      JOIN customers c ON c.customer_number = e.customer_number
     WHERE e.template IS NULL AND e.applies AND e.above_min AND e.hold_reason IS NULL
     ORDER BY c.postcode, c.town, c.street, e.customer_number`.execute(db);
  const since = new Map<LocalDate, LocalDate>();
  return r.rows.map((row) => {
    let day = since.get(row.oldest_due);
    if (day === undefined) {
      day = calendar.addWorkingDays(row.oldest_due, policy.disconnection.afterWorkingDays);
      since.set(row.oldest_due, day);
    }
    return { ...row, listed_since: day };
  });
}

const HEADER = [
  'Клиентски № / Customer no.',
  'Име / Name',
  'Адрес / Street',
  'Пощенски код / Postcode',
  'Населено място / Town',
  'Вид клиент / Class',
  'Просрочена сума EUR / Overdue EUR',
  'Брой фактури / Invoices',
  'Номера на фактури / Invoice numbers',
  'Най-ранен падеж / Oldest due date',
  'В списъка от / Listed since',
];

const CLASS: Record<DisconnectionEntry['customer_class'], string> = { household: 'битов / household', business: 'небитов / business' };

/** UTF-8 with a BOM (so spreadsheets read the Cyrillic), CRLF, every text cell neutralised against formulas. */
export function disconnectionCsv(entries: readonly DisconnectionEntry[]): string {
  const lines = [csvRow(HEADER)];
  for (const e of entries) {
    lines.push(
      csvRow([
        e.customer_number,
        e.name,
        e.street,
        e.postcode,
        e.town,
        CLASS[e.customer_class],
        (e.total / 100).toFixed(2),
        e.invoices.length,
        e.invoices.join(' '),
        e.oldest_due,
        e.listed_since,
      ]),
    );
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

/** The list as CSV, with the export recorded in the audit trail (it carries personal data). */
export async function exportDisconnections(db: Kysely<DB>, date: LocalDate, actor: string): Promise<{ csv: string; count: number }> {
  const entries = await disconnectionList(db, date);
  await recordAudit(db, { actor, action: 'dunning.disconnections_exported', subject: `disconnections:${date}`, details: { date, count: entries.length } });
  return { csv: disconnectionCsv(entries), count: entries.length };
}

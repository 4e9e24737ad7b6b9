// Generated demo data parsed back with csv-parse, plus an independent replay of the importer's
// allocation rule (a payment pays the invoice it names; payments without one pay the customer's
// oldest open invoices first), for the tests of src/demo.
import { parse } from 'csv-parse/sync';
import { CSV_HEADERS, DEMO_KINDS, generateDemo, type DemoKind, type DemoOptions } from '../../src/demo/generate.js';

export type Row = Record<string, string>;

export interface Dataset {
  text: Record<DemoKind, string>;
  /** Every record as parsed, header included. */
  records: Record<DemoKind, string[][]>;
  rows: Record<DemoKind, Row[]>;
}

export function csvText(chunks: Iterable<string>): string {
  return [...chunks].join('');
}

export function dataset(opts: DemoOptions): Dataset {
  const streams = generateDemo(opts);
  const text = {} as Record<DemoKind, string>;
  const records = {} as Record<DemoKind, string[][]>;
  const rows = {} as Record<DemoKind, Row[]>;
  for (const kind of DEMO_KINDS) {
    text[kind] = csvText(streams[kind]);
    records[kind] = parse(text[kind], { relax_column_count: true }) as string[][];
    const header = CSV_HEADERS[kind].split(',');
    rows[kind] = records[kind].slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
  }
  return { text, records, rows };
}

export function minor(amount: string): number {
  const m = /^(\d+)\.(\d{2})$/.exec(amount);
  if (!m) throw new Error(`bad amount ${amount}`);
  return Number(m[1]) * 100 + Number(m[2]);
}

/** Euro cents of an amount: leva divided by 1.95583, rounded half up (exact, with BigInt). */
export function eurMinor(amount: string, currency: string): number {
  const x = BigInt(minor(amount));
  return currency === 'EUR' ? Number(x) : Number((x * 200000n + 195583n) / 391166n);
}

export interface Replay {
  /** Euro cents still open per invoice number. */
  open: Map<string, number>;
  /** Euro cents of payments that found no open invoice, per customer. */
  leftover: Map<string, number>;
}

export function replayAllocation(rows: Record<DemoKind, Row[]>): Replay {
  const open = new Map<string, number>();
  for (const i of rows.invoices) open.set(i.invoice_number!, eurMinor(i.amount!, i.currency!));
  const unlinked = new Map<string, Row[]>();
  for (const p of rows.payments) {
    if (p.invoice_number) open.set(p.invoice_number, open.get(p.invoice_number)! - eurMinor(p.amount!, p.currency!));
    else unlinked.set(p.customer_number!, [...(unlinked.get(p.customer_number!) ?? []), p]);
  }
  const invoicesOf = new Map<string, Row[]>();
  for (const i of rows.invoices) invoicesOf.set(i.customer_number!, [...(invoicesOf.get(i.customer_number!) ?? []), i]);
  const leftover = new Map<string, number>();
  for (const [customer, payments] of unlinked) {
    let credit = payments.reduce((s, p) => s + eurMinor(p.amount!, p.currency!), 0);
    const oldestFirst = [...(invoicesOf.get(customer) ?? [])].sort((a, b) => a.due_date!.localeCompare(b.due_date!));
    for (const inv of oldestFirst) {
      const due = open.get(inv.invoice_number!)!;
      const pay = Math.min(due, credit);
      open.set(inv.invoice_number!, due - pay);
      credit -= pay;
    }
    if (credit > 0) leftover.set(customer, credit);
  }
  return { open, leftover };
}

/** Days from a to b ('YYYY-MM-DD'). */
export function daysBetween(a: string, b: string): number {
  return (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
}

// The four CSV files the billing system hands over, as streams of text chunks. Every customer's
// rows are recomputed from (seed, index), so each file is made in one pass without holding
// customers in memory, and the same seed and today always give byte-identical files.
import { TWO_DIGITS, clockTime, isoDate, parseIsoDate } from './calendar.js';
import { customerSubscriptions } from './contacts.js';
import { fmix32 } from './random.js';
import { CHANNELS, MAX_CUSTOMERS, customerAddress, customerIdentity, customerTraits } from './customer.js';
import { createLedger, fillInvoices, fillPayments, type Ledger } from './ledger.js';

export interface DemoOptions {
  customers: number;
  seed: number;
  /** Local date in Europe/Sofia, YYYY-MM-DD: nothing after it has happened yet. */
  today: string;
}

export const DEMO_KINDS = ['customers', 'invoices', 'payments', 'subscriptions'] as const;
export type DemoKind = (typeof DEMO_KINDS)[number];

export const CSV_HEADERS: Readonly<Record<DemoKind, string>> = {
  customers: 'customer_number,name,street,town,postcode,customer_class',
  invoices: 'invoice_number,customer_number,issue_date,due_date,amount,currency',
  payments: 'payment_reference,customer_number,invoice_number,amount,currency,paid_at,channel,status',
  subscriptions: 'customer_number,channel,address,registered_at,consent_version',
};

/** Counts data rows (not the header) as a stream is read. */
export interface RowCounter {
  rows: number;
}

const CHUNK_CHARS = 1 << 16;

/** Options checked, with the seed folded to 32 bits (0..2^32-1 unchanged) and today as a day number. */
export function checkDemoOptions(opts: DemoOptions): { customers: number; seed: number; today: number } {
  if (!Number.isInteger(opts.customers) || opts.customers < 0 || opts.customers > MAX_CUSTOMERS) {
    throw new RangeError(`customers must be an integer from 0 to ${MAX_CUSTOMERS}`);
  }
  if (!Number.isSafeInteger(opts.seed)) throw new RangeError('seed must be a whole number');
  const seed = (opts.seed >>> 0) ^ fmix32(Math.floor(opts.seed / 0x1_0000_0000) >>> 0);
  return { customers: opts.customers, seed: seed >>> 0, today: parseIsoDate(opts.today) };
}

function csvText(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function money(minor: number): string {
  return `${Math.floor(minor / 100)}.${TWO_DIGITS[minor % 100]!}`;
}

/** Appends the rows of customer `index` to `out.text` and returns how many it added. */
type RowWriter = (out: { text: string }, seed: number, index: number, ledger: Ledger) => number;

const WRITERS: Readonly<Record<DemoKind, RowWriter>> = {
  customers(out, seed, index) {
    const t = customerTraits(seed, index);
    const who = customerIdentity(seed, index, t.business);
    const at = customerAddress(seed, index, t.business);
    out.text += `${t.number},${csvText(who.name)},${csvText(at.street)},${csvText(at.town)},${at.postcode},${t.business ? 'business' : 'household'}\n`;
    return 1;
  },
  invoices(out, seed, index, ledger) {
    const t = customerTraits(seed, index);
    fillInvoices(ledger, seed, t);
    let text = '';
    for (const inv of ledger.invoices) {
      text += `${inv.number},${t.number},${isoDate(inv.issue)},${isoDate(inv.due)},${money(inv.amount)},${inv.bgn ? 'BGN' : 'EUR'}\n`;
    }
    out.text += text;
    return ledger.invoices.length;
  },
  payments(out, seed, index, ledger) {
    const t = customerTraits(seed, index);
    fillInvoices(ledger, seed, t);
    fillPayments(ledger, t);
    let text = '';
    for (let i = 0; i < ledger.paymentCount; i++) {
      const p = ledger.payments[i]!;
      const invoice = p.linked ? ledger.invoices[p.invoice]!.number : '';
      text += `${p.reference},${t.number},${invoice},${money(p.amount)},${p.eur ? 'EUR' : 'BGN'},${isoDate(p.day)} ${clockTime(p.second)},${CHANNELS[p.channel]!},${p.inTransit ? 'in_transit' : 'settled'}\n`;
    }
    out.text += text;
    return ledger.paymentCount;
  },
  subscriptions(out, seed, index, ledger) {
    const t = customerTraits(seed, index);
    const subs = customerSubscriptions(seed, index, customerIdentity(seed, index, t.business), ledger.today);
    for (const s of subs) out.text += `${t.number},${s.channel},${s.address},${isoDate(s.registered)},${s.consentVersion}\n`;
    return subs.length;
  },
};

function* chunks(kind: DemoKind, opts: DemoOptions, counter: RowCounter): Generator<string> {
  const { customers, seed, today } = checkDemoOptions(opts);
  counter.rows = 0;
  const write = WRITERS[kind];
  const ledger = createLedger(today);
  const out = { text: `${CSV_HEADERS[kind]}\n` };
  for (let index = 0; index < customers; index++) {
    counter.rows += write(out, seed, index, ledger);
    if (out.text.length >= CHUNK_CHARS) {
      yield out.text;
      out.text = '';
    }
  }
  if (out.text !== '') yield out.text;
}

/** Text chunks of many rows each, header first; iterable (sync or async) any number of times. */
export type CsvChunks = Iterable<string> & AsyncIterable<string>;

/** One CSV file (UTF-8, LF, RFC 4180 quoting). `counter` counts its rows as they are read. */
export function demoCsv(kind: DemoKind, opts: DemoOptions, counter: RowCounter = { rows: 0 }): CsvChunks {
  checkDemoOptions(opts);
  return {
    [Symbol.iterator]: () => chunks(kind, opts, counter),
    // Importers read streams; chunks are large, so one promise per chunk costs nothing.
    async *[Symbol.asyncIterator]() {
      yield* chunks(kind, opts, counter);
    },
  };
}

export function generateDemo(opts: DemoOptions): Record<DemoKind, CsvChunks> {
  return {
    customers: demoCsv('customers', opts),
    invoices: demoCsv('invoices', opts),
    payments: demoCsv('payments', opts),
    subscriptions: demoCsv('subscriptions', opts),
  };
}

// A customer's last 12 invoices and the payments made for them up to `today`. Amounts, numbers and
// payment days are drawn per (customer, billing month), so an invoice and its payments look the same
// whatever `today` is; only the 12-month window, chronic debts and in-transit status follow `today`.
import { dayNumber, dayOfMonthIndex, civil, weekday } from './calendar.js';
import { BANK, CASH_DESK, CHRONIC, DIRECT_DEBIT, LATE, PURPOSE_INVOICE, type Traits } from './customer.js';
import { below, hashKey, unit } from './random.js';

export const INVOICES_PER_CUSTOMER = 12;
/** Household payment term: issue date = due date − 20 days. */
export const TERM_DAYS = 20;
export const EURO_DAY = dayNumber(2026, 1, 1);
/** Consumption by month of issue, January first: winter about 1.8× summer, spring and autumn lowest. */
const SEASON = [1.9, 1.75, 1.0, 0.85, 0.8, 0.95, 1.05, 1.0, 0.8, 0.85, 1.1, 1.75];
/** Payment hours [from, to) by channel (bank, cash_desk, epay, easypay, direct_debit, card); never
 * 03:00-04:00, the hour that does not exist or repeats at the Europe/Sofia clock changes. */
const HOURS: readonly (readonly [number, number])[] = [[9, 17], [8, 19], [6, 24], [8, 20], [6, 10], [6, 24]];
const NOT_DIRECT_DEBIT = [0, 1, 2, 3, 5];
const MAX_PAYMENTS = INVOICES_PER_CUSTOMER * 2;

/** Leva (stotinki) to euro cents: divided by 1.95583 and rounded half up, in integers. */
export function toEurMinor(bgnMinor: number): number {
  return Math.floor((bgnMinor * 200_000 + 195_583) / 391_166);
}

export interface Invoice {
  month: number;
  issue: number;
  due: number;
  /** In minor units of its currency (stotinki or cents). */
  amount: number;
  bgn: boolean;
  number: string;
  key: number;
  /** Day the invoice was paid in full, or -1 if still (partly) open on `today`. */
  paidOff: number;
}

export interface Payment {
  reference: string;
  /** Slot of the invoice it pays in `Ledger.invoices`. */
  invoice: number;
  /** False when the payer quoted no invoice number (it pays the oldest open invoice). */
  linked: boolean;
  day: number;
  second: number;
  amount: number;
  eur: boolean;
  channel: number;
  inTransit: boolean;
}

/** Reusable scratch space for one stream: nothing is allocated per customer but the strings. */
export interface Ledger {
  today: number;
  invoices: Invoice[];
  payments: Payment[];
  paymentCount: number;
}

export function createLedger(today: number): Ledger {
  return {
    today,
    invoices: Array.from({ length: INVOICES_PER_CUSTOMER }, () => ({ month: 0, issue: 0, due: 0, amount: 0, bgn: false, number: '', key: 0, paidOff: -1 })),
    payments: Array.from({ length: MAX_PAYMENTS }, () => ({ reference: '', invoice: 0, linked: true, day: 0, second: 0, amount: 0, eur: true, channel: 0, inTransit: false })),
    paymentCount: 0,
  };
}

/** The newest billing month is the latest whose invoice is already issued (issue date ≤ today). */
function newestMonth(today: number, dueDay: number): number {
  const [y, m, d] = civil(today + TERM_DAYS);
  return y * 12 + m - 1 - (d >= dueDay ? 0 : 1);
}

export function fillInvoices(l: Ledger, seed: number, t: Traits): void {
  const newest = newestMonth(l.today, t.dueDay);
  for (let k = 0; k < INVOICES_PER_CUSTOMER; k++) {
    const inv = l.invoices[k]!;
    const month = newest - INVOICES_PER_CUSTOMER + 1 + k;
    const key = hashKey(seed, t.index, PURPOSE_INVOICE, month);
    inv.month = month;
    inv.key = key;
    inv.due = dayOfMonthIndex(month, t.dueDay);
    inv.issue = inv.due - TERM_DAYS;
    const issueMonth = t.dueDay > TERM_DAYS ? month : month - 1;
    const eur = Math.round(t.level * SEASON[issueMonth % 12]! * (0.88 + 0.24 * unit(key, 0)));
    const cents = t.business ? Math.min(300_000, Math.max(15_000, eur)) : Math.min(18_000, Math.max(2_500, eur));
    inv.bgn = inv.issue < EURO_DAY;
    inv.amount = inv.bgn ? Math.round((cents * 195_583) / 100_000) : cents;
    // Numbers in blocks by month of year and customer: unique among any 12 consecutive months.
    inv.number = String(5_000_000_000 + (month % 12) * 80_000_000 + t.index * 8 + below(key, 1, 8));
    inv.paidOff = -1;
  }
}

function channelFor(t: Traits, key: number, slot: number, allowDirectDebit: boolean): number {
  if (t.channel === DIRECT_DEBIT) return allowDirectDebit ? DIRECT_DEBIT : NOT_DIRECT_DEBIT[below(key, slot + 1, 5)]!;
  return unit(key, slot) < 0.85 ? t.channel : NOT_DIRECT_DEBIT[below(key, slot + 1, 5)]!;
}

/** Banks and direct debits book weekend payments on Monday. */
function bookingDay(day: number, channel: number): number {
  if (channel !== BANK && channel !== DIRECT_DEBIT) return day;
  const wd = weekday(day);
  return wd === 6 ? day + 2 : wd === 0 ? day + 1 : day;
}

function usualDay(t: Traits, due: number, key: number): number {
  if (t.channel === DIRECT_DEBIT) return due;
  const lateRoll = unit(key, 3);
  if (t.payer === LATE) return lateRoll < 0.8 ? due + 1 + below(key, 4, 25) : due - below(key, 4, 11);
  return lateRoll < 0.1 ? due + 1 + below(key, 4, 8) : due - below(key, 4, 16);
}

/** A partial amount (leva) whose euro value and that of the rest add up to the invoice's exactly. */
function evenSplit(total: number, part: number): number {
  let p = part;
  while (toEurMinor(p) + toEurMinor(total - p) !== toEurMinor(total)) p++;
  return p;
}

function addPayment(l: Ledger, t: Traits, slot: number, part: number, day: number, amount: number, eur: boolean, channel: number): void {
  const inv = l.invoices[slot]!;
  const key = inv.key;
  const p = l.payments[l.paymentCount++]!;
  const [from, to] = HOURS[channel]!;
  p.reference = `P${String(10_000_000_000 + ((inv.month % 12) * 2 + part) * 400_000_000 + t.index * 40 + below(key, 17 + part, 40)).slice(1)}`;
  p.invoice = slot;
  p.linked = true;
  p.day = day;
  p.second = from * 3600 + below(key, 11 + part, (to - from) * 3600);
  p.amount = amount;
  p.eur = eur;
  p.channel = channel;
  p.inTransit = day >= l.today - 1 && (channel === BANK || channel === CASH_DESK) && unit(key, 15 + part) < 0.7;
}

/** Fills `l.payments` (sorted by time) for invoices filled by `fillInvoices` with the same traits. */
export function fillPayments(l: Ledger, t: Traits): void {
  const today = l.today;
  l.paymentCount = 0;
  const chronicFrom = today - t.unpaidMonths * 30;
  let allPaidBefore = true;
  let lastDayBefore = -Infinity;
  for (let k = 0; k < INVOICES_PER_CUSTOMER; k++) {
    const inv = l.invoices[k]!;
    const { key, due } = inv;
    const first = l.paymentCount;
    let day0: number;
    let channel0 = channelFor(t, key, 7, true);
    let share = 1;
    if (t.payer === CHRONIC) {
      day0 = due >= chronicFrom ? Infinity : due + 5 + below(key, 4, 36);
    } else {
      const outcome = unit(key, 2);
      if (outcome < 0.03) {
        // Forgot: pays after the overdue notice.
        day0 = due + 20 + below(key, 5, 26);
        channel0 = channelFor(t, key, 7, false);
      } else {
        day0 = usualDay(t, due, key);
        if (outcome < 0.05) share = 0.3 + 0.6 * unit(key, 6);
      }
    }
    day0 = bookingDay(day0, channel0);
    if (day0 <= today) {
      const total = inv.amount;
      const eur0 = day0 >= EURO_DAY;
      if (share === 1) {
        addPayment(l, t, k, 0, day0, inv.bgn && eur0 ? toEurMinor(total) : total, eur0, channel0);
        inv.paidOff = day0;
      } else {
        const channel1 = channelFor(t, key, 9, false);
        const day1 = Math.max(day0 + 1, bookingDay(due + 25 + below(key, 5, 26), channel1));
        const eur1 = day1 >= EURO_DAY;
        let part = Math.round(total * share);
        if (inv.bgn && !eur1) part = evenSplit(total, part);
        const paid0 = inv.bgn && eur0 ? toEurMinor(part) : part;
        addPayment(l, t, k, 0, day0, paid0, eur0, channel0);
        if (day1 <= today) {
          // After the euro the rest of a leva invoice is its euro value less what was paid.
          const rest = !inv.bgn || !eur1 ? total - part : toEurMinor(total) - (eur0 ? paid0 : toEurMinor(part));
          addPayment(l, t, k, 1, day1, rest, eur1, channel1);
          inv.paidOff = day1;
        }
      }
    }
    // A payment may quote no invoice only when it is for the oldest open invoice, so that the
    // importer's allocation to the oldest open invoices books it exactly where it belongs.
    for (let i = first; i < l.paymentCount; i++) {
      const p = l.payments[i]!;
      const eligible = allPaidBefore && lastDayBefore < p.day;
      p.linked = !(eligible && unit(key, 13 + i - first) < (t.noReference ? 0.9 : 0.03));
    }
    allPaidBefore &&= inv.paidOff >= 0;
    lastDayBefore = Math.max(lastDayBefore, inv.paidOff);
  }
  sortByTime(l.payments, l.paymentCount);
}

function sortByTime(ps: Payment[], n: number): void {
  for (let i = 1; i < n; i++) {
    const p = ps[i]!;
    let j = i - 1;
    while (j >= 0 && (ps[j]!.day > p.day || (ps[j]!.day === p.day && ps[j]!.second > p.second))) {
      ps[j + 1] = ps[j]!;
      j--;
    }
    ps[j + 1] = p;
  }
}

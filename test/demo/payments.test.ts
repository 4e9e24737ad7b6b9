import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customerTraits } from '../../src/demo/customer.js';
import { checkDemoOptions } from '../../src/demo/generate.js';
import { createLedger, fillInvoices, fillPayments, toEurMinor } from '../../src/demo/ledger.js';
import { dataset, daysBetween, eurMinor, replayAllocation, type Row } from './dataset.js';

const opts = { customers: 2000, seed: 42, today: '2026-03-10' };
const data = dataset(opts);
const { payments, invoices } = data.rows;
const invoiceByNumber = new Map(invoices.map((i) => [i.invoice_number!, i]));
const replay = replayAllocation(data.rows);

test('payments: unique references, valid fields, none after today', () => {
  assert.equal(new Set(payments.map((p) => p.payment_reference)).size, payments.length);
  const customers = new Set(data.rows.customers.map((c) => c.customer_number));
  for (const p of payments) {
    assert.match(p.payment_reference!, /^P\d{10}$/);
    assert.ok(customers.has(p.customer_number));
    assert.match(p.amount!, /^\d+\.\d{2}$/);
    assert.ok(eurMinor(p.amount!, p.currency!) > 0);
    assert.match(p.paid_at!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const day = p.paid_at!.slice(0, 10);
    assert.ok(day <= opts.today, `paid ${p.paid_at} after today`);
    assert.ok(!/^03:/.test(p.paid_at!.slice(11)), 'no time that a clock change skips or repeats');
    assert.equal(p.currency, day < '2026-01-01' ? 'BGN' : 'EUR');
    assert.ok(['bank', 'cash_desk', 'epay', 'easypay', 'direct_debit', 'card'].includes(p.channel!));
    assert.ok(p.status === 'settled' || p.status === 'in_transit');
    if (p.status === 'in_transit') {
      assert.ok(daysBetween(day, opts.today) <= 1, `in transit since ${day}`);
      assert.ok(p.channel === 'bank' || p.channel === 'cash_desk');
    }
    if (p.invoice_number) {
      const inv = invoiceByNumber.get(p.invoice_number);
      assert.ok(inv, `unknown invoice ${p.invoice_number}`);
      assert.equal(inv.customer_number, p.customer_number);
      assert.ok(day >= inv.issue_date!, 'paid after issue');
    }
  }
  assert.ok(payments.some((p) => p.status === 'in_transit'));
  assert.ok(payments.some((p) => p.paid_at!.startsWith(opts.today)));
});

test('rows of a customer are in time order, so allocation in file order is allocation in time order', () => {
  let last: Row | undefined;
  for (const p of payments) {
    if (last && last.customer_number === p.customer_number) assert.ok(last.paid_at! <= p.paid_at!);
    last = p;
  }
});

test('an invoice\'s linked payments sum to at most its amount', () => {
  const paid = new Map<string, number>();
  for (const p of payments) {
    if (p.invoice_number) paid.set(p.invoice_number, (paid.get(p.invoice_number) ?? 0) + eurMinor(p.amount!, p.currency!));
  }
  for (const [number, sum] of paid) {
    const inv = invoiceByNumber.get(number)!;
    assert.ok(sum <= eurMinor(inv.amount!, inv.currency!), `${number}: paid ${sum}, invoice ${inv.amount} ${inv.currency}`);
  }
  // Leva payments of a leva invoice never exceed it either.
  const leva = new Map<string, number>();
  for (const p of payments) if (p.invoice_number && p.currency === 'BGN') leva.set(p.invoice_number, (leva.get(p.invoice_number) ?? 0) + Number(p.amount!.replace('.', '')));
  for (const [number, sum] of leva) assert.ok(sum <= Number(invoiceByNumber.get(number)!.amount!.replace('.', '')));
});

test('~10% of payments quote no invoice, and allocating them to the oldest open invoices leaves no credit', () => {
  const unlinked = payments.filter((p) => p.invoice_number === '').length;
  assert.ok(unlinked > 0.05 * payments.length && unlinked < 0.15 * payments.length, `${unlinked} of ${payments.length}`);
  assert.deepEqual([...replay.leftover], []);
  for (const [number, open] of replay.open) assert.ok(open >= 0, `${number} overpaid`);
});

test('the importer\'s rule books every payment without an invoice on the invoice it was meant for', () => {
  const { seed, today } = checkDemoOptions(opts);
  const ledger = createLedger(today);
  let unlinked = 0;
  for (let index = 0; index < opts.customers; index++) {
    const t = customerTraits(seed, index);
    fillInvoices(ledger, seed, t);
    fillPayments(ledger, t);
    const meant = new Map(ledger.invoices.map((inv) => [inv.number, inv.bgn ? toEurMinor(inv.amount) : inv.amount]));
    for (const p of ledger.payments.slice(0, ledger.paymentCount)) {
      const inv = ledger.invoices[p.invoice]!;
      meant.set(inv.number, meant.get(inv.number)! - (p.eur || !inv.bgn ? p.amount : toEurMinor(p.amount)));
      if (!p.linked) unlinked++;
    }
    for (const [number, open] of meant) assert.equal(replay.open.get(number), open, `invoice ${number} of ${t.number}`);
  }
  assert.ok(unlinked > 0);
});

test('old invoices are paid; some recent ones are overdue, a few partly paid; a few customers owe several months', () => {
  const overdueRecent = invoices.filter((i) => {
    const ago = daysBetween(i.due_date!, opts.today);
    return ago >= 1 && ago <= 10 && replay.open.get(i.invoice_number!)! > 0;
  });
  assert.ok(overdueRecent.length > 0, 'overdue and unpaid with due date in the last 10 days');
  const partly = invoices.filter((i) => {
    const open = replay.open.get(i.invoice_number!)!;
    return open > 0 && open < eurMinor(i.amount!, i.currency!);
  });
  assert.ok(partly.length > 0, 'partly paid');
  const recent = invoices.filter((i) => daysBetween(i.due_date!, opts.today) >= 1 && daysBetween(i.due_date!, opts.today) <= 60);
  const openRecent = recent.filter((i) => replay.open.get(i.invoice_number!)! > 0);
  assert.ok(openRecent.length > 0.02 * recent.length && openRecent.length < 0.2 * recent.length, `${openRecent.length} of ${recent.length}`);
  const old = invoices.filter((i) => daysBetween(i.due_date!, opts.today) > 200);
  const openOld = old.filter((i) => replay.open.get(i.invoice_number!)! > 0);
  assert.ok(openOld.length < 0.01 * old.length, `${openOld.length} of ${old.length} old invoices open`);
  const overdueMonths = new Map<string, number>();
  for (const i of invoices) {
    if (i.due_date! < opts.today && replay.open.get(i.invoice_number!)! > 0) overdueMonths.set(i.customer_number!, (overdueMonths.get(i.customer_number!) ?? 0) + 1);
  }
  const several = [...overdueMonths.values()].filter((n) => n >= 3).length;
  assert.ok(several > 0 && several < 0.05 * opts.customers, `${several} customers owe 3+ months`);
});

test('most pay on time: usually within 15 days before the due date', () => {
  const delays = payments
    .filter((p) => p.invoice_number)
    .map((p) => daysBetween(invoiceByNumber.get(p.invoice_number!)!.due_date!, p.paid_at!.slice(0, 10)));
  const onTime = delays.filter((d) => d <= 0 && d >= -15).length;
  assert.ok(onTime > 0.6 * delays.length, `${onTime} of ${delays.length}`);
  assert.ok(delays.some((d) => d > 0 && d <= 25));
});

test('before the euro every payment is in leva', () => {
  const early = dataset({ customers: 300, seed: 5, today: '2025-06-15' }).rows;
  assert.ok(early.payments.length > 0);
  for (const p of early.payments) assert.equal(p.currency, 'BGN');
  for (const i of early.invoices) assert.equal(i.currency, 'BGN');
});

test('a leva invoice paid after the euro is paid with its euro value, rounded half up', () => {
  const crossing = payments.filter((p) => p.invoice_number && p.currency === 'EUR' && invoiceByNumber.get(p.invoice_number)!.currency === 'BGN');
  assert.ok(crossing.length > 0);
  const full = crossing.filter((p) => {
    const inv = invoiceByNumber.get(p.invoice_number!)!;
    return p.amount === (Number(eurMinor(inv.amount!, 'BGN')) / 100).toFixed(2);
  });
  assert.ok(full.length > 0.8 * crossing.length, `${full.length} of ${crossing.length}`);
});

// Customers a newcomer can try on the portal: a customer number and the number of an invoice
// issued in the last 12 months (what the registration form asks for), half of them overdue.
import { customerIdentity, customerTraits } from './customer.js';
import { checkDemoOptions, type DemoOptions } from './generate.js';
import { INVOICES_PER_CUSTOMER, createLedger, fillInvoices, fillPayments } from './ledger.js';

export interface SampleLogin {
  customerNumber: string;
  name: string;
  /** The newest invoice: issued on or before today, so within the last 12 months. */
  invoiceNumber: string;
  /** Has an invoice past its due date that is not paid in full (payments in transit count as paid). */
  overdue: boolean;
}

/** `n` customers from the start of the data set: the first ⌈n/2⌉ overdue ones and the first not overdue ones. */
export function sampleLogins(opts: DemoOptions, n: number): SampleLogin[] {
  const { customers, seed, today } = checkDemoOptions(opts);
  const ledger = createLedger(today);
  const wantOverdue = Math.ceil(n / 2);
  const out: SampleLogin[] = [];
  let overdueCount = 0;
  for (let index = 0; index < customers && out.length < n; index++) {
    const t = customerTraits(seed, index);
    fillInvoices(ledger, seed, t);
    fillPayments(ledger, t);
    const overdue = ledger.invoices.some((inv) => inv.due < today && inv.paidOff < 0);
    if (overdue ? overdueCount >= wantOverdue : out.length - overdueCount >= n - wantOverdue) continue;
    if (overdue) overdueCount++;
    out.push({
      customerNumber: t.number,
      name: customerIdentity(seed, index, t.business).name,
      invoiceNumber: ledger.invoices[INVOICES_PER_CUSTOMER - 1]!.number,
      overdue,
    });
  }
  return out;
}

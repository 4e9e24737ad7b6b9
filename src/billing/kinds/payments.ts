import { amount, digits, oneOf, pattern, timestamp } from '../fields.js';
import type { ImportKind } from '../import-kind.js';
import { insertAndAllocatePayments } from '../allocate.js';
import { cancelSettledNotices } from '../../dunning/stop-notices.js';
import { afterPayments } from '../../dunning/lifecycle/after-payment.js';

export const paymentChannels = ['bank', 'cash_desk', 'epay', 'easypay', 'direct_debit', 'card', 'other'] as const;

export const paymentsKind: ImportKind = {
  name: 'payments',
  columns: [
    { name: 'payment_reference', required: true },
    { name: 'customer_number', required: true },
    { name: 'invoice_number', required: false },
    { name: 'amount', required: true },
    { name: 'currency', required: false },
    { name: 'paid_at', required: true },
    { name: 'channel', required: true },
    { name: 'status', required: false },
  ],
  staging: [
    ['payment_reference', 'text'],
    ['customer_number', 'text'],
    ['invoice_number', 'text'],
    ['amount_minor', 'bigint'],
    ['currency', 'text'],
    ['paid_at', 'timestamptz'],
    ['channel', 'text'],
    ['status', 'text'],
  ],
  parse(v, field) {
    return [
      field('payment_reference', (x) => pattern(x, /^[0-9A-Za-z/_.:-]{1,64}$/, 'a payment reference (up to 64 letters, digits or / _ . : -)')),
      field('customer_number', (x) => digits(x, 4, 16)),
      field('invoice_number', (x) => ((x ?? '').trim() === '' ? null : pattern(x, /^[0-9A-Za-z/-]{1,30}$/, 'an invoice number'))),
      field('amount', (x) => amount(x, { allowZero: false })),
      field('currency', (x) => ((x ?? '').trim() === '' ? 'EUR' : oneOf(x, ['eur', 'bgn']).toUpperCase())),
      field('paid_at', timestamp),
      field('channel', (x) => oneOf(x, paymentChannels)),
      field('status', (x) => ((x ?? '').trim() === '' ? 'settled' : oneOf(x, ['settled', 'in_transit']))),
    ];
  },
  checks: [
    `SELECT s.line, 'payment_reference' AS problem_field, 'duplicate payment reference, first on line ' || d.first_line AS problem
       FROM stage s JOIN (SELECT payment_reference, min(line) AS first_line FROM stage GROUP BY payment_reference HAVING count(*) > 1) d
         ON s.payment_reference = d.payment_reference AND s.line > d.first_line`,
    `SELECT s.line, 'customer_number' AS problem_field, 'unknown customer ' || s.customer_number AS problem
       FROM stage s WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_number = s.customer_number)`,
    `SELECT s.line, 'invoice_number' AS problem_field, 'unknown invoice ' || s.invoice_number AS problem
       FROM stage s WHERE s.invoice_number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.invoice_number = s.invoice_number)`,
    `SELECT s.line, 'invoice_number' AS problem_field, 'invoice ' || s.invoice_number || ' belongs to customer ' || i.customer_number AS problem
       FROM stage s JOIN invoices i ON i.invoice_number = s.invoice_number AND i.customer_number <> s.customer_number`,
    // Payments are facts: once recorded, only their status may move on (in transit → settled).
    `SELECT s.line, 'payment_reference' AS problem_field,
            'payment ' || s.payment_reference || ' was already recorded with other details (' ||
              concat_ws(', ',
                CASE WHEN p.customer_number <> s.customer_number THEN 'customer' END,
                CASE WHEN p.invoice_number IS DISTINCT FROM s.invoice_number THEN 'invoice' END,
                CASE WHEN p.amount_minor <> s.amount_minor OR p.currency <> s.currency THEN 'amount' END,
                CASE WHEN p.paid_at <> s.paid_at THEN 'paid_at' END,
                CASE WHEN p.status = 'settled' AND s.status = 'in_transit' THEN 'status settled' END) || ')' AS problem
       FROM stage s JOIN payments p ON p.payment_reference = s.payment_reference
      WHERE (p.customer_number <> s.customer_number OR p.invoice_number IS DISTINCT FROM s.invoice_number
             OR p.amount_minor <> s.amount_minor OR p.currency <> s.currency OR p.paid_at <> s.paid_at
             OR (p.status = 'settled' AND s.status = 'in_transit'))`,
  ],
  async apply(client, now) {
    const settled = await client.query(
      `UPDATE payments p SET status = 'settled', settled_at = $1, updated_at = now()
         FROM stage s WHERE p.payment_reference = s.payment_reference AND p.status = 'in_transit' AND s.status = 'settled'`,
      [now],
    );
    const ins = await insertAndAllocatePayments(client, { source: 'import', now });
    // Stop on payment, in the payment's own transaction: queued notices for what it settled are cancelled.
    await cancelSettledNotices(client, 'SELECT DISTINCT customer_number FROM stage');
    // Thanks for a payment that ends an episode, supply restored, pre-due reminders no longer needed.
    await afterPayments(client);
    const total = Number((await client.query<{ n: number }>('SELECT count(*) AS n FROM stage')).rows[0]?.n ?? 0);
    const upd = settled.rowCount ?? 0;
    return { inserted: ins, updated: upd, unchanged: total - ins - upd, skipped: 0 };
  },
};

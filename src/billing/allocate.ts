import type { Client } from '../db/open.js';

// Payment allocation, set-based so that a file of 100,000 payments costs a few statements, not a
// loop. A payment first pays the invoice it names (up to what is still due on it); whatever is left,
// and any payment without an invoice, pays the customer's oldest open invoices first. Amounts are
// matched as intervals on a running total: payment p covers [p.start, p.start + p.rest) of the
// customer's credit, invoice i needs [i.start, i.start + i.due) of it, and the overlap is paid.
// A credit left over (an overpayment) is kept on the payment and spent when new invoices arrive.

const EUR = `CASE WHEN currency = 'EUR' THEN amount_minor ELSE (amount_minor * 200000 + 195583) / 391166 END`;

/**
 * Oldest-open-first matching of the credits `credits(payment_reference, customer_number, paid_at, rest)`
 * against what each invoice still needs (`invoiceDue`, an expression over invoices i), into `alloc`.
 */
async function allocateOldestFirst(client: Client, q: { ctes?: string; credits: string; invoiceDue: string; invoiceJoin?: string }): Promise<void> {
  await client.query(`
    WITH ${q.ctes ? `${q.ctes},` : ''}
    lp AS (
      SELECT payment_reference, customer_number, rest,
             sum(rest) OVER (PARTITION BY customer_number ORDER BY paid_at, payment_reference) - rest AS start
        FROM (${q.credits}) c WHERE rest > 0
    ),
    oi AS (
      SELECT invoice_number, customer_number, due,
             sum(due) OVER (PARTITION BY customer_number ORDER BY due_date, issue_date, invoice_number) - due AS start
        FROM (SELECT i.invoice_number, i.customer_number, i.due_date, i.issue_date, ${q.invoiceDue} AS due
                FROM invoices i ${q.invoiceJoin ?? ''} WHERE i.customer_number IN (SELECT customer_number FROM lp)) d
       WHERE due > 0
    )
    INSERT INTO alloc (payment_reference, invoice_number, amt)
    SELECT lp.payment_reference, oi.invoice_number, least(lp.start + lp.rest, oi.start + oi.due) - greatest(lp.start, oi.start)
      FROM lp JOIN oi ON oi.customer_number = lp.customer_number
       AND oi.start < lp.start + lp.rest AND lp.start < oi.start + oi.due`);
}

const ALLOC_TABLE = 'CREATE TEMP TABLE IF NOT EXISTS alloc (payment_reference text NOT NULL, invoice_number text NOT NULL, amt bigint NOT NULL) ON COMMIT DROP';

async function commitAllocations(client: Client): Promise<void> {
  await client.query(`
    INSERT INTO payment_allocations AS pa (payment_reference, invoice_number, amount_eur_minor)
    SELECT payment_reference, invoice_number, sum(amt) FROM alloc GROUP BY 1, 2
    ON CONFLICT (payment_reference, invoice_number) DO UPDATE SET amount_eur_minor = pa.amount_eur_minor + EXCLUDED.amount_eur_minor`);
  await client.query(`
    UPDATE invoices i SET paid_eur_minor = i.paid_eur_minor + x.amt, updated_at = now()
      FROM (SELECT invoice_number, sum(amt) AS amt FROM alloc GROUP BY 1) x
     WHERE i.invoice_number = x.invoice_number`);
}

/**
 * Records the staged payments that are not yet known and allocates them. `stage` holds
 * payment_reference, customer_number, invoice_number, amount_minor, currency, paid_at, channel, status.
 * Each new payment is inserted once with its final unallocated amount: no row is written twice.
 */
export async function insertAndAllocatePayments(client: Client, extra: { source: 'import' | 'api'; now: Date; idempotencyKey?: string; requestHash?: string }): Promise<number> {
  await client.query(`CREATE TEMP TABLE new_pay ON COMMIT DROP AS
    SELECT s.payment_reference, s.customer_number, s.invoice_number, s.amount_minor, s.currency, s.paid_at, s.channel, s.status,
           ${EUR} AS eur
      FROM stage s WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.payment_reference = s.payment_reference)`);
  await client.query('ANALYZE new_pay');
  await client.query(ALLOC_TABLE);
  await client.query('TRUNCATE alloc');
  // 1. The invoice a payment names, in payment order when several pay the same invoice.
  await client.query(`
    INSERT INTO alloc
    SELECT payment_reference, invoice_number, amt FROM (
      SELECT p.payment_reference, p.invoice_number,
             least(p.eur, greatest(0, i.amount_eur_minor - i.paid_eur_minor
               - (sum(p.eur) OVER (PARTITION BY p.invoice_number ORDER BY p.paid_at, p.payment_reference) - p.eur))) AS amt
        FROM new_pay p JOIN invoices i ON i.invoice_number = p.invoice_number
    ) x WHERE amt > 0`);
  // 2. What is left, and payments without an invoice: the oldest open invoices first.
  await allocateOldestFirst(client, {
    ctes: `named AS (SELECT payment_reference, sum(amt) AS amt FROM alloc GROUP BY 1),
           taken AS (SELECT invoice_number, sum(amt) AS amt FROM alloc GROUP BY 1)`,
    credits: `SELECT p.payment_reference, p.customer_number, p.paid_at, p.eur - coalesce(n.amt, 0) AS rest
                FROM new_pay p LEFT JOIN named n USING (payment_reference)`,
    invoiceJoin: 'LEFT JOIN taken t ON t.invoice_number = i.invoice_number',
    invoiceDue: 'i.amount_eur_minor - i.paid_eur_minor - coalesce(t.amt, 0)',
  });
  const inserted = await client.query(
    `INSERT INTO payments (payment_reference, customer_number, invoice_number, amount_minor, currency, paid_at, channel, status,
                           settled_at, unallocated_eur_minor, source, idempotency_key, request_hash)
     SELECT p.payment_reference, p.customer_number, p.invoice_number, p.amount_minor, p.currency, p.paid_at, p.channel, p.status,
            CASE WHEN p.status = 'settled' THEN $1::timestamptz END,
            p.eur - coalesce(a.amt, 0),
            $2, $3, $4
       FROM new_pay p LEFT JOIN (SELECT payment_reference, sum(amt) AS amt FROM alloc GROUP BY 1) a USING (payment_reference)`,
    [extra.now, extra.source, extra.idempotencyKey ?? null, extra.requestHash ?? null],
  );
  await commitAllocations(client);
  return inserted.rowCount ?? 0;
}

/** Spends every unallocated payment amount of the given customers on their oldest open invoices. */
export async function applyCredits(client: Client, customersSql: string): Promise<void> {
  await client.query(ALLOC_TABLE);
  await client.query('TRUNCATE alloc');
  await allocateOldestFirst(client, {
    credits: `SELECT payment_reference, customer_number, paid_at, unallocated_eur_minor AS rest FROM payments
               WHERE unallocated_eur_minor > 0 AND customer_number IN (${customersSql})`,
    invoiceDue: 'i.amount_eur_minor - i.paid_eur_minor',
  });
  await commitAllocations(client);
  await client.query(`
    UPDATE payments p SET unallocated_eur_minor = p.unallocated_eur_minor - x.amt, updated_at = now()
      FROM (SELECT payment_reference, sum(amt) AS amt FROM alloc GROUP BY 1) x
     WHERE p.payment_reference = x.payment_reference`);
}

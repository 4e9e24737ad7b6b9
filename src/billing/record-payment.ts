import { createHash } from 'node:crypto';
import type { Database } from '../db/open.js';
import { AppError } from '../errors.js';
import { FieldError } from './fields.js';
import { insertAndAllocatePayments } from './allocate.js';
import { cancelSettledNotices } from '../dunning/stop-notices.js';
import { afterPayments } from '../dunning/lifecycle/after-payment.js';
import { paymentsKind } from './kinds/payments.js';

export interface RecordedPayment {
  payment_reference: string;
  customer_number: string;
  amount_eur: string;
  status: string;
  allocations: Array<{ invoice_number: string; amount_eur: string }>;
  unallocated_eur: string;
}

const eur = (minor: number) => (minor / 100).toFixed(2);

async function describe(database: Database, reference: string): Promise<RecordedPayment> {
  const p = await database.db.selectFrom('payments').select(['payment_reference', 'customer_number', 'amount_eur_minor', 'status', 'unallocated_eur_minor']).where('payment_reference', '=', reference).executeTakeFirstOrThrow();
  const allocations = await database.db.selectFrom('payment_allocations').select(['invoice_number', 'amount_eur_minor']).where('payment_reference', '=', reference).orderBy('invoice_number').execute();
  return {
    payment_reference: p.payment_reference,
    customer_number: p.customer_number,
    amount_eur: eur(p.amount_eur_minor),
    status: p.status,
    allocations: allocations.map((a) => ({ invoice_number: a.invoice_number, amount_eur: eur(a.amount_eur_minor) })),
    unallocated_eur: eur(p.unallocated_eur_minor),
  };
}

/**
 * One real-time payment (a cash desk or an online payment). The Idempotency-Key makes a retried
 * request safe: the same key and body return the first result; the same key with another body is refused.
 */
export async function recordPayment(
  database: Database,
  body: Record<string, unknown>,
  idempotencyKey: string,
  actor: string,
): Promise<{ payment: RecordedPayment; replayed: boolean }> {
  const values: Record<string, string> = {};
  for (const c of paymentsKind.columns) {
    const v = body[c.name];
    values[c.name] = v === undefined || v === null ? '' : String(v);
  }
  const hash = createHash('sha256').update(JSON.stringify(paymentsKind.columns.map((c) => values[c.name]))).digest('hex');
  const existing = await database.db.selectFrom('payments').select(['payment_reference', 'request_hash']).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  if (existing) {
    if (existing.request_hash !== hash) throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different payment.');
    return { payment: await describe(database, existing.payment_reference), replayed: true };
  }
  let parsed: Array<string | number | null>;
  let current = '';
  try {
    parsed = paymentsKind.parse(values, (name, f) => {
      current = name;
      return f(values[name]);
    });
  } catch (e) {
    if (e instanceof FieldError) throw new AppError('VALIDATION_FAILED', `${current}: ${e.message}`, { field: current });
    throw e;
  }
  const [reference, customer, invoice, amountMinor, currency, paidAt, channel, status] = parsed;
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    const problem = await client.query<{ problem: string }>(
      `SELECT CASE
         WHEN NOT EXISTS (SELECT 1 FROM customers WHERE customer_number = $1) THEN 'unknown customer ' || $1
         WHEN $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM invoices WHERE invoice_number = $2 AND customer_number = $1)
           THEN 'invoice ' || $2 || ' is not an invoice of customer ' || $1
         WHEN EXISTS (SELECT 1 FROM payments WHERE payment_reference = $3) THEN 'conflict'
       END AS problem`,
      [customer, invoice, reference],
    );
    const p = problem.rows[0]?.problem;
    if (p === 'conflict') throw new AppError('CONFLICT', `Payment ${String(reference)} is already recorded (under another Idempotency-Key or by an import).`);
    if (p) throw new AppError('VALIDATION_FAILED', p);
    // The same path as a file import of one row, so both allocate alike.
    await client.query(
      `CREATE TEMP TABLE stage ON COMMIT DROP AS
       SELECT $1::text AS payment_reference, $2::text AS customer_number, $3::text AS invoice_number, $4::bigint AS amount_minor,
              $5::text AS currency, $6::timestamptz AS paid_at, $7::text AS channel, $8::text AS status`,
      [reference, customer, invoice, amountMinor, currency, paidAt, channel, status],
    );
    await insertAndAllocatePayments(client, { source: 'api', now: new Date(), idempotencyKey, requestHash: hash });
    await cancelSettledNotices(client, 'SELECT $1::text AS customer_number', [customer]);
    await afterPayments(client);
    await client.query(`INSERT INTO audit_events (actor, action, subject, details) VALUES ($1, 'payment.recorded', $2, $3)`, [
      actor,
      `customer:${String(customer)}`,
      JSON.stringify({ payment_reference: reference, amount_minor: amountMinor, currency, channel, status }),
    ]);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    // Two requests with the same key at once: the loser sees the winner's row.
    if ((e as { code?: string }).code === '23505' && /idempotency_key/.test((e as Error).message)) {
      return recordPayment(database, body, idempotencyKey, actor);
    }
    throw e;
  } finally {
    client.release();
  }
  return { payment: await describe(database, String(reference)), replayed: false };
}

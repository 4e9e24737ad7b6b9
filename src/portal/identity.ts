import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { rules, type PortalDeps } from './deps.js';
import { ipLimitKey } from './ip-prefix.js';

export type IdentityOutcome = { ok: true } | { ok: false; reason: 'not_matched' } | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

export const customerNumberFormat = /^[0-9]{4,16}$/;
export const invoiceNumberFormat = /^[0-9A-Za-z/-]{1,30}$/;

/**
 * Does this invoice, issued in the last 12 months, belong to this customer? One call to
 * portal_identity_check (migrations/0013_portal_limits.sql), which counts the attempt per IP (an
 * IPv6 /48), the failure per customer number and per IP, locks the customer number after too many
 * (checks of one number run one at a time), and answers the same 'not_matched' for an unknown
 * customer, a wrong or old invoice and a locked number. Formats must have been checked by the caller.
 */
export async function checkIdentity(
  db: Kysely<DB>,
  limits: PortalDeps['config']['portal'],
  a: { customerNumber: string; invoiceNumber: string; ip: string; now: Date },
): Promise<IdentityOutcome> {
  const ms = (n: number) => `${n} milliseconds`;
  const r = await sql<{ outcome: 'ok' | 'not_matched' | 'rate_limited'; retry_after_seconds: number }>`
    SELECT outcome, retry_after_seconds FROM portal_identity_check(
      ${a.customerNumber}, ${a.invoiceNumber}, ${ipLimitKey(a.ip)}, ${a.now},
      ${ms(rules.ipWindowMs)}::interval, ${limits.ipAttemptsPerHour}::int, ${limits.ipFailuresPerHour}::int,
      ${ms(rules.customerWindowMs)}::interval, ${rules.customerFailures}::int, ${ms(rules.lockBaseMs)}::interval, ${ms(rules.lockMaxMs)}::interval)`.execute(db);
  const row = r.rows[0];
  if (!row) throw new Error('portal_identity_check returned no row');
  if (row.outcome === 'ok') return { ok: true };
  if (row.outcome === 'rate_limited') return { ok: false, reason: 'rate_limited', retryAfterSeconds: row.retry_after_seconds };
  return { ok: false, reason: 'not_matched' };
}

import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { isLocalDate, type LocalDate } from './calendar/index.js';
import { cancelStaleSql } from './stop-notices.js';
import type { HoldReason } from './tables.js';

export const HOLD_REASONS: readonly HoldReason[] = ['vulnerable', 'complaint', 'dispute', 'promise_to_pay', 'payment_plan'];

export interface NewHold {
  customerNumber: string;
  reason: HoldReason;
  /** The last day (Sofia) it applies: the promised payment date, the plan's end, the review date. */
  until: LocalDate;
  note?: string | null;
}

/**
 * Puts a customer on hold: no notice and no disconnection listing until `until`. Notices already
 * queued for the customer are cancelled in the same transaction. Returns the hold's id.
 */
export async function placeHold(db: Kysely<DB>, h: NewHold, actor: string): Promise<{ id: number; cancelled: number }> {
  if (!HOLD_REASONS.includes(h.reason)) throw new AppError('VALIDATION_FAILED', `reason: one of ${HOLD_REASONS.join(', ')}`);
  if (!isLocalDate(h.until)) throw new AppError('VALIDATION_FAILED', `until: not a date YYYY-MM-DD: ${JSON.stringify(h.until)}`);
  return db.transaction().execute(async (trx) => {
    const known = await trx.selectFrom('customers').select('customer_number').where('customer_number', '=', h.customerNumber).executeTakeFirst();
    if (!known) throw new AppError('NOT_FOUND', `No customer ${h.customerNumber}.`);
    const { id } = await trx
      .insertInto('dunning_holds')
      .values({ customer_number: h.customerNumber, reason: h.reason, until: h.until, note: h.note ?? null, created_by: actor })
      .returning('id')
      .executeTakeFirstOrThrow();
    // id is an integer from the database, so it can be written into the statement.
    const r = await sql.raw(cancelStaleSql(`SELECT customer_number FROM dunning_holds WHERE id = ${Number(id)}`)).execute(trx);
    const cancelled = Number(r.numAffectedRows ?? 0n);
    await recordAudit(trx, { actor, action: 'dunning.hold_placed', subject: `customer:${h.customerNumber}`, details: { id, reason: h.reason, until: h.until, note: h.note ?? null, cancelled } });
    return { id, cancelled };
  });
}

/** Ends a hold before its date (the complaint is settled, the plan is broken). */
export async function releaseHold(db: Kysely<DB>, id: number, actor: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('dunning_holds')
      .set({ released_at: new Date(), released_by: actor })
      .where('id', '=', id)
      .where('released_at', 'is', null)
      .returning(['customer_number', 'reason'])
      .executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', `No active hold ${id}.`);
    await recordAudit(trx, { actor, action: 'dunning.hold_released', subject: `customer:${r.customer_number}`, details: { id, reason: r.reason } });
  });
}

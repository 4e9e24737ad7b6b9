// The approval step of the daily run. A real run asks runApproval() after planning and before
// enqueueing: when it would create far more notices than usual (RUN_APPROVAL_FACTOR × the median of
// the last 20 runs, and more than RUN_APPROVAL_MIN_NOTICES), it must wait until a supervisor
// approves that day's run in the back office. A wrong import (every bill unpaid) then costs a
// supervisor's look, not 300,000 SMS.
import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import type { BackofficeSettings } from '../config.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';

export type ApprovalDecision =
  | { proceed: true; usual: number; approvedBy: string | null }
  | { proceed: false; reason: 'awaiting_approval' | 'rejected'; planned: number; usual: number };

/** The median notices of the last 20 real runs before the day (0 without history). */
export async function usualNotices(db: Kysely<DB>, runDate: string): Promise<number> {
  const r = await sql<{ m: number | null }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY notices_created) AS m FROM (
      SELECT notices_created FROM dunning_runs
       WHERE run_date < ${runDate}::date AND finished_at IS NOT NULL AND trigger <> 'demo'
       ORDER BY run_date DESC, id DESC LIMIT 20) recent`.execute(db);
  return Math.round(Number(r.rows[0]?.m ?? 0));
}

export function needsApproval(settings: BackofficeSettings['runApproval'], planned: number, usual: number): boolean {
  return planned > settings.minNotices && planned > settings.factor * usual;
}

/**
 * May the run of `runDate` that plans `plannedNotices` go ahead? An approval covers up to the number
 * it was given for; a bigger plan the same day asks again. Call it outside the run's transaction:
 * the request it records must stay even though the run stops.
 */
export async function runApproval(db: Kysely<DB>, settings: BackofficeSettings['runApproval'], a: { runDate: string; plannedNotices: number }): Promise<ApprovalDecision> {
  const usual = await usualNotices(db, a.runDate);
  if (!needsApproval(settings, a.plannedNotices, usual)) return { proceed: true, usual, approvedBy: null };
  return db.transaction().execute(async (tx): Promise<ApprovalDecision> => {
    const row = await tx.selectFrom('dunning_run_approvals').selectAll().where('run_date', '=', a.runDate).forUpdate().executeTakeFirst();
    if (row?.decision === 'approved' && row.planned_notices >= a.plannedNotices) return { proceed: true, usual, approvedBy: row.decided_by };
    if (row?.decision === 'rejected' && row.planned_notices >= a.plannedNotices) return { proceed: false, reason: 'rejected', planned: a.plannedNotices, usual };
    if (row?.decision !== null || row.planned_notices !== a.plannedNotices) {
      await tx
        .insertInto('dunning_run_approvals')
        .values({ run_date: a.runDate, planned_notices: a.plannedNotices, usual_notices: usual, requested_at: new Date() })
        .onConflict((oc) =>
          oc.column('run_date').doUpdateSet({ planned_notices: a.plannedNotices, usual_notices: usual, requested_at: new Date(), decision: null, decided_by: null, decided_at: null, note: null }),
        )
        .execute();
      await recordAudit(tx, { actor: 'system', action: 'dunning.run_approval_requested', subject: `dunning_run:${a.runDate}`, details: { planned: a.plannedNotices, usual, factor: settings.factor } });
    }
    return { proceed: false, reason: 'awaiting_approval', planned: a.plannedNotices, usual };
  });
}

/** A supervisor's decision on a waiting run. */
export async function decideApproval(db: Kysely<DB>, a: { runDate: string; decision: 'approved' | 'rejected'; note: string | null; actor: string }): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('dunning_run_approvals')
      .set({ decision: a.decision, decided_by: a.actor, decided_at: new Date(), note: a.note })
      .where('run_date', '=', a.runDate)
      .where('decision', 'is', null)
      .returning(['planned_notices', 'usual_notices'])
      .executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', `No run waiting for approval on ${a.runDate}.`);
    await recordAudit(tx, { actor: a.actor, action: a.decision === 'approved' ? 'dunning.run_approved' : 'dunning.run_rejected', subject: `dunning_run:${a.runDate}`, details: { planned: r.planned_notices, usual: r.usual_notices, note: a.note } });
  });
}

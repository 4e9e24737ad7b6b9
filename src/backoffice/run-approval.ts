// Approval of unusually big daily runs. A run that would create far more notices than usual
// (RUN_APPROVAL_FACTOR × the usual day, and more than RUN_APPROVAL_MIN_NOTICES) creates them held,
// in its own transaction, and a supervisor approves (they go to the worker) or rejects (they are
// cancelled) the day's run. A wrong import (every bill unpaid) then costs a supervisor's look, not
// 300,000 SMS; and since the held rows keep their business keys, nothing is ever created twice.
import { sql, type Kysely, type Transaction } from 'kysely';
import { recordAudit } from '../audit/record.js';
import type { BackofficeSettings } from '../config.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';

export type ApprovalSettings = BackofficeSettings['runApproval'];

/**
 * The median notices per day of the last 20 days with real runs before `runDate` (0 without
 * history). A day's reruns add to its count rather than pulling the median down; runs rejected or
 * still waiting are not the usual.
 */
export async function usualNotices(db: Kysely<DB>, runDate: string): Promise<number> {
  const r = await sql<{ m: number | null }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n) AS m FROM (
      SELECT sum(notices_created) AS n FROM dunning_runs r
       WHERE run_date < ${runDate}::date AND finished_at IS NOT NULL AND trigger <> 'demo'
         AND NOT EXISTS (SELECT 1 FROM dunning_run_approvals a WHERE a.run_id = r.id AND a.decision IS DISTINCT FROM 'approved')
       GROUP BY run_date ORDER BY run_date DESC LIMIT 20) recent`.execute(db);
  return Math.round(Number(r.rows[0]?.m ?? 0));
}

export function needsApproval(settings: ApprovalSettings, planned: number, usual: number): boolean {
  return planned > settings.minNotices && planned > settings.factor * usual;
}

const ofRuns = (ids: readonly number[]) => sql`payload ? 'run_id' AND (payload->>'run_id')::bigint = ANY (${ids}::bigint[])`;

/**
 * Holds the notices run `runId` has just created and asks for a decision, in the run's own
 * transaction: a run that fails or is a dry run leaves neither held notices nor a request behind.
 */
export async function holdRun(trx: Transaction<DB>, a: { runId: number; runDate: string; planned: number; usual: number; settings: ApprovalSettings; actor: string }): Promise<void> {
  await sql`UPDATE outbox_messages SET status = 'held', updated_at = now() WHERE ${ofRuns([a.runId])} AND status = 'queued'`.execute(trx);
  await trx.insertInto('dunning_run_approvals').values({ run_id: a.runId, run_date: a.runDate, planned_notices: a.planned, usual_notices: a.usual }).execute();
  await recordAudit(trx, {
    actor: a.actor,
    action: 'dunning.run_approval_requested',
    subject: `dunning_run:${a.runDate}`,
    details: { run_id: a.runId, planned: a.planned, usual: a.usual, factor: a.settings.factor, min_notices: a.settings.minNotices },
  });
}

export interface RunDecision {
  runDate: string;
  decision: 'approved' | 'rejected';
  runIds: number[];
  /** Notices released to the worker (approved) or cancelled (rejected). */
  notices: number;
  planned: number;
  usual: number;
}

/**
 * A supervisor's decision on the runs of `runDate` waiting for one: approved, their held notices
 * are queued from now; rejected (a reason is required), they are cancelled with it. Audited in the
 * same transaction. A day with nothing waiting is NOT_FOUND, one already decided a CONFLICT.
 */
export async function decideRun(db: Kysely<DB>, a: { runDate: string; decision: 'approved' | 'rejected'; reason: string | null; actor: string }): Promise<RunDecision> {
  const reason = a.reason?.trim() || null;
  if (a.decision === 'rejected' && reason === null) throw new AppError('VALIDATION_FAILED', `Rejecting the run of ${a.runDate} needs a reason.`);
  return db.transaction().execute(async (tx) => {
    const waiting = await tx
      .updateTable('dunning_run_approvals')
      .set({ decision: a.decision, decided_by: a.actor, decided_at: new Date(), note: reason })
      .where('run_date', '=', a.runDate)
      .where('decision', 'is', null)
      .returning(['run_id', 'planned_notices', 'usual_notices'])
      .execute();
    if (waiting.length === 0) {
      const done = await tx.selectFrom('dunning_run_approvals').select(['decision', 'decided_by']).where('run_date', '=', a.runDate).orderBy('decided_at', 'desc').executeTakeFirst();
      if (done) throw new AppError('CONFLICT', `The run of ${a.runDate} was already ${done.decision} by ${done.decided_by ?? '?'}.`);
      throw new AppError('NOT_FOUND', `No run of ${a.runDate} is waiting for approval.`);
    }
    const runIds = waiting.map((w) => Number(w.run_id)).sort((x, y) => x - y);
    const changed =
      a.decision === 'approved'
        ? await sql`UPDATE outbox_messages SET status = 'queued', not_before = now(), updated_at = now() WHERE ${ofRuns(runIds)} AND status = 'held'`.execute(tx)
        : await sql`UPDATE outbox_messages SET status = 'cancelled', cancel_reason = ${`run rejected: ${reason}`}, final_at = now(), updated_at = now()
                     WHERE ${ofRuns(runIds)} AND status = 'held'`.execute(tx);
    const d: RunDecision = {
      runDate: a.runDate,
      decision: a.decision,
      runIds,
      notices: Number(changed.numAffectedRows ?? 0n),
      planned: waiting.reduce((n, w) => n + w.planned_notices, 0),
      usual: Math.max(...waiting.map((w) => w.usual_notices)),
    };
    await recordAudit(tx, {
      actor: a.actor,
      action: a.decision === 'approved' ? 'dunning.run_approved' : 'dunning.run_rejected',
      subject: `dunning_run:${a.runDate}`,
      details: { run_ids: runIds, notices: d.notices, planned: d.planned, usual: d.usual, reason },
    });
    return d;
  });
}

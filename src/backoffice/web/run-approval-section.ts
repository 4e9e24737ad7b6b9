// The runs waiting for a supervisor's decision, shown on the runs list, a run's page and the
// dashboard, with the forms that approve (the held notices go to the worker) or reject them (they
// are cancelled, with the reason), and the route those forms post to.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { isLocalDate } from '../../dunning/calendar/index.js';
import { isAppError } from '../../errors.js';
import { html, type SafeHtml } from '../../http/html.js';
import { decideRun } from '../run-approval.js';
import { saveSessionData } from '../sessions.js';
import { button, input, postForm } from './components.js';
import { BASE, actor, field, param, redirect, type StaffCtx } from './context.js';
import { fmtDate, fmtDateTime } from './format.js';
import { messagePage, post, type BackofficeRoute } from './route.js';

export const RUNS = `${BASE}/runs`;
// Where a decision may send the browser back to: the pages that show the forms.
const BACK = /^\/backoffice\/(dashboard|runs(\/[1-9][0-9]{0,15})?)$/;

export interface AwaitingDay {
  runDate: string;
  runIds: number[];
  planned: number;
  usual: number;
  requestedAt: Date;
}

/** The days whose runs hold notices and wait for a decision, oldest first. */
export async function awaitingApproval(db: Kysely<DB>): Promise<AwaitingDay[]> {
  const r = await sql<{ run_date: string; run_ids: Array<number | string>; planned: number; usual: number; requested_at: Date }>`
    SELECT to_char(run_date, 'YYYY-MM-DD') AS run_date, array_agg(run_id ORDER BY run_id) AS run_ids, sum(planned_notices)::int AS planned,
           max(usual_notices)::int AS usual, min(requested_at) AS requested_at
      FROM dunning_run_approvals WHERE decision IS NULL GROUP BY run_date ORDER BY run_date`.execute(db);
  return r.rows.map((x) => ({ runDate: x.run_date, runIds: x.run_ids.map(Number), planned: x.planned, usual: x.usual, requestedAt: new Date(x.requested_at) }));
}

function decisionForms(c: StaffCtx, d: AwaitingDay, back: string): SafeHtml {
  const action = `${RUNS}/approvals/${d.runDate}`;
  const backField = html`<input type="hidden" name="back" value="${back}">`;
  return html`<div class="stage"><p><strong>${fmtDate(d.runDate)}</strong> (${c.t('обработка', 'run')} ${d.runIds.map((id, i) => html`${i ? ', ' : ''}<a href="${RUNS}/${id}">${id}</a>`)}):
${c.t('задържани известия', 'held notices')} <strong>${d.planned}</strong>, ${c.t('обичайно за ден', 'usual for a day')} ${d.usual}; ${c.t('от', 'since')} ${fmtDateTime(d.requestedAt)}</p>
${postForm(c.session.csrf, action, html`${backField}${button(c.t('Одобряване: известията тръгват', 'Approve: the notices are sent'), 'primary', 'decision', 'approved')}`, { label: c.t(`Одобряване на ${fmtDate(d.runDate)}`, `Approve ${fmtDate(d.runDate)}`) })}
${postForm(c.session.csrf, action, html`${backField}${input(c, { name: 'reason', label: c.t('Причина за отказа (задължителна)', 'Reason for rejecting (required)'), width: 'long', required: true })}${button(c.t('Отказ: известията се отменят', 'Reject: the notices are cancelled'), 'warning', 'decision', 'rejected')}`, { label: c.t(`Отказ на ${fmtDate(d.runDate)}`, `Reject ${fmtDate(d.runDate)}`) })}</div>`;
}

/** The waiting days with their forms; `back` is the page the decision returns to. */
export function approvalSection(c: StaffCtx, days: readonly AwaitingDay[], back: string): SafeHtml {
  const { factor, minNotices } = c.deps.config.backoffice.runApproval;
  return html`<section aria-labelledby="approvals-title" class="card"><h2 id="approvals-title">${c.t('Обработки, които чакат решение', 'Runs awaiting a decision')}</h2>
<p class="hint">${c.t(
    `Обработка, която създава над ${factor} пъти обичайния брой известия за ден (и над ${minNotices}), ги задържа: нищо не се изпраща, докато ръководител не я одобри или откаже.`,
    `A run that creates more than ${factor} times the usual notices for a day (and more than ${minNotices}) holds them: nothing is sent until a supervisor approves or rejects it.`,
  )}</p>
${days.length === 0 ? html`<p>${c.t('Няма чакащи обработки.', 'No run is waiting.')}</p>` : days.map((d) => decisionForms(c, d, back))}
</section>`;
}

function refusal(c: StaffCtx, date: string, code: string): string {
  if (code === 'NOT_FOUND') return c.t(`Няма обработка от ${fmtDate(date)}, която чака решение.`, `No run of ${fmtDate(date)} is waiting for a decision.`);
  if (code === 'CONFLICT') return c.t(`Обработката от ${fmtDate(date)} вече е решена.`, `The run of ${fmtDate(date)} has already been decided.`);
  return c.t('Въведете причина за отказа.', 'Enter the reason for rejecting.');
}

export const approvalRoutes: BackofficeRoute[] = [
  post(`${RUNS}/approvals/:date`, 'supervisor', async (c) => {
    const date = param(c, 'date');
    const decision = field(c, 'decision');
    const back = BACK.test(field(c, 'back')) ? field(c, 'back') : RUNS;
    if (!isLocalDate(date) || (decision !== 'approved' && decision !== 'rejected')) return redirect(c, back);
    try {
      const d = await decideRun(c.deps.db, { runDate: date, decision, reason: field(c, 'reason') || null, actor: actor(c) });
      c.session.data.flash =
        decision === 'approved'
          ? c.t(`Обработката от ${fmtDate(date)} е одобрена: ${d.notices} известия тръгват за изпращане.`, `The run of ${fmtDate(date)} is approved: ${d.notices} notices go out.`)
          : c.t(`Обработката от ${fmtDate(date)} е отказана: ${d.notices} известия са отменени.`, `The run of ${fmtDate(date)} is rejected: ${d.notices} notices are cancelled.`);
      await saveSessionData(c.deps.db, c.session);
      return redirect(c, back);
    } catch (e) {
      if (!isAppError(e) || e.status >= 500) throw e;
      return messagePage(c, e.status, c.t('Решението не е записано', 'The decision was not recorded'), refusal(c, date, e.code));
    }
  }),
];

// Daily runs (supervisors): the list with their figures, one run's figures by stage and channel,
// the dry-run preview of today, and the runs waiting for approval.
import { sofiaDate, isLocalDate } from '../../dunning/calendar/index.js';
import { html, sendHtml, type SafeHtml } from '../../http/html.js';
import { decideApproval, needsApproval, usualNotices } from '../run-approval.js';
import { saveSessionData } from '../sessions.js';
import { banner, button, input, postForm } from './components.js';
import { BASE, actor, field, idParam, param, redirect, type StaffCtx } from './context.js';
import { csvEur, fmtDate, fmtDateTime, fmtEur, iso } from './format.js';
import { layout } from './layout.js';
import { sendCsv, table, wantsCsv, type Column } from './list.js';
import { messagePage, get, post, type BackofficeRoute } from './route.js';
import { takeFlash } from './account-pages.js';

const RUNS = `${BASE}/runs`;

/** What a dry run of the daily run reports. */
export interface DryRunResult {
  plannedNotices: number;
  figures: unknown;
}
export type DryRun = (runDate: string) => Promise<DryRunResult>;

interface RunRow {
  id: number;
  runDate: string;
  trigger: string;
  actor: string;
  policyVersion: number;
  startedAt: Date;
  finishedAt: Date | null;
  overdueCustomers: number;
  noticesCreated: number;
  disconnectionCount: number;
  smsSegments: number;
  smsCostMinor: number;
  figures: unknown;
}

const seconds = (r: RunRow) => (r.finishedAt ? Math.round((r.finishedAt.getTime() - r.startedAt.getTime()) / 100) / 10 : null);

function runColumns(c: StaffCtx): Column<RunRow>[] {
  return [
    { bg: '№', en: 'No.', csv: (r) => r.id, cell: (r) => html`<a href="${RUNS}/${r.id}">${r.id}</a>`, numeric: true },
    { bg: 'Ден', en: 'Day', csv: (r) => r.runDate, cell: (r) => fmtDate(r.runDate) },
    { bg: 'Пуснат от', en: 'Started by', csv: (r) => `${r.trigger}: ${r.actor}` },
    { bg: 'Политика', en: 'Policy', csv: (r) => r.policyVersion, cell: (r) => (r.policyVersion === 0 ? c.t('по подразбиране', 'default') : r.policyVersion), numeric: true },
    { bg: 'Начало', en: 'Started', csv: (r) => iso(r.startedAt), cell: (r) => fmtDateTime(r.startedAt) },
    { bg: 'Секунди', en: 'Seconds', csv: (r) => seconds(r), cell: (r) => seconds(r) ?? c.t('работи', 'running'), numeric: true },
    { bg: 'Просрочили', en: 'Overdue', csv: (r) => r.overdueCustomers, numeric: true },
    { bg: 'Известия', en: 'Notices', csv: (r) => r.noticesCreated, numeric: true },
    { bg: 'За изключване', en: 'For disconnection', csv: (r) => r.disconnectionCount, numeric: true },
    { bg: 'SMS части', en: 'SMS parts', csv: (r) => r.smsSegments, numeric: true },
    { bg: 'SMS цена (EUR)', en: 'SMS cost (EUR)', csv: (r) => csvEur(r.smsCostMinor), cell: (r) => fmtEur(r.smsCostMinor, c.lang), numeric: true },
  ];
}

async function runs(c: StaffCtx, id?: number): Promise<RunRow[]> {
  let q = c.deps.db.selectFrom('dunning_runs').selectAll().orderBy('run_date', 'desc').orderBy('id', 'desc').limit(200);
  if (id !== undefined) q = q.where('id', '=', id);
  return (await q.execute()).map((r) => ({
    id: r.id,
    runDate: r.run_date,
    trigger: r.trigger,
    actor: r.actor,
    policyVersion: r.policy_version,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    overdueCustomers: r.overdue_customers,
    noticesCreated: r.notices_created,
    disconnectionCount: r.disconnection_count,
    smsSegments: r.sms_segments,
    smsCostMinor: r.sms_cost_minor,
    figures: r.figures,
  }));
}

const FIGURE_NAMES: Record<string, [string, string]> = {
  stage: ['Етап', 'Stage'],
  template: ['Шаблон', 'Template'],
  customers: ['Клиенти на етапа', 'Customers at the stage'],
  notCovered: ['Извън обхвата', 'Class not covered'],
  belowMinimum: ['Под минимума', 'Below the minimum'],
  held: ['Задържани', 'Held'],
  noContact: ['Без контакт', 'No contact'],
  channel: ['Канал', 'Channel'],
  planned: ['Планирани', 'Planned'],
  created: ['Създадени', 'Created'],
  listed: ['За изключване', 'On the disconnection list'],
  newlyListed: ['Нови за изключване', 'Newly listed'],
  smsSegments: ['SMS части', 'SMS parts'],
  smsCostMinor: ['SMS цена (EUR)', 'SMS cost (EUR)'],
};

/** A stage's figures with its per-channel figures nested become one row per channel. */
export function flattenFigures(figures: unknown): Array<Record<string, unknown>> {
  const rows = Array.isArray(figures) ? (figures.filter((x) => x && typeof x === 'object') as Array<Record<string, unknown>>) : [];
  return rows.flatMap((r) => {
    const nested = Object.entries(r).find(([, v]) => Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object'));
    const flat = Object.fromEntries(Object.entries(r).filter(([, v]) => !Array.isArray(v)));
    return nested ? (nested[1] as Array<Record<string, unknown>>).map((x) => ({ ...flat, ...x })) : [flat];
  });
}

/** The run's figures by stage and channel, columns named when known and shown as they come otherwise. */
function figureColumns(c: StaffCtx, rows: Array<Record<string, unknown>>): Column<Record<string, unknown>>[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return keys.map((k) => {
    const [bg, en] = FIGURE_NAMES[k] ?? [k, k];
    const money = k.endsWith('Minor');
    return {
      bg,
      en,
      csv: (r) => (r[k] === undefined || r[k] === null ? null : money ? csvEur(Number(r[k])) : typeof r[k] === 'number' ? (r[k] as number) : String(r[k])),
      ...(money ? { cell: (r: Record<string, unknown>) => (typeof r[k] === 'number' ? fmtEur(r[k] as number, c.lang) : '—') } : {}),
      numeric: rows.every((r) => typeof r[k] !== 'string'),
    };
  });
}

function figuresTable(c: StaffCtx, id: string, figures: unknown, csv: string | null): SafeHtml {
  const rows = flattenFigures(figures);
  return table(c, { id, caption: c.t('По етапи и канали', 'By stage and channel'), columns: figureColumns(c, rows), rows, csv, empty: c.t('Няма данни по етапи.', 'No figures by stage.') });
}

interface Waiting {
  runDate: string;
  planned: number;
  usual: number;
  requestedAt: Date;
  decision: string | null;
  decidedBy: string | null;
}

async function waitingSection(c: StaffCtx): Promise<SafeHtml> {
  const rows = await c.deps.db.selectFrom('dunning_run_approvals').selectAll().orderBy('run_date', 'desc').limit(30).execute();
  const list: Waiting[] = rows.map((r) => ({ runDate: r.run_date, planned: r.planned_notices, usual: r.usual_notices, requestedAt: r.requested_at, decision: r.decision, decidedBy: r.decided_by }));
  const pending = list.filter((w) => w.decision === null);
  return html`<section aria-labelledby="approvals-title" class="card"><h2 id="approvals-title">${c.t('Одобрение на необичайно големи обработки', 'Approval of unusually large runs')}</h2>
<p class="hint">${c.t(`Обработка, която би създала над ${c.deps.config.backoffice.runApproval.factor} пъти обичайния брой известия (и над ${c.deps.config.backoffice.runApproval.minNotices}), чака одобрение.`, `A run that would create more than ${c.deps.config.backoffice.runApproval.factor} times the usual notices (and more than ${c.deps.config.backoffice.runApproval.minNotices}) waits for approval.`)}</p>
${pending.length === 0 ? html`<p>${c.t('Няма чакащи обработки.', 'No run is waiting.')}</p>` : ''}
${pending.map(
  (w) => html`<div class="stage"><p><strong>${fmtDate(w.runDate)}</strong>: ${c.t('планирани известия', 'planned notices')} <strong>${w.planned}</strong>, ${c.t('обичайно', 'usually')} ${w.usual}</p>
${postForm(c.session.csrf, `${RUNS}/approvals/${w.runDate}`, html`${input(c, { name: 'note', label: c.t('Бележка', 'Note'), width: 'long' })}${button(c.t('Одобряване', 'Approve'), 'primary', 'decision', 'approved')}${button(c.t('Отказ', 'Reject'), 'warning', 'decision', 'rejected')}`)}</div>`,
)}
${list.filter((w) => w.decision !== null).length ? html`<ul class="list">${list.filter((w) => w.decision !== null).map((w) => html`<li>${fmtDate(w.runDate)}: ${w.decision === 'approved' ? c.t('одобрена', 'approved') : c.t('отказана', 'rejected')} (${w.decidedBy ?? ''}), ${w.planned}</li>`)}</ul>` : ''}
</section>`;
}

async function flash(c: StaffCtx, text: string) {
  c.session.data.flash = text;
  await saveSessionData(c.deps.db, c.session);
}

export function runRoutes(dryRun: DryRun): BackofficeRoute[] {
  return [
    get(RUNS, 'supervisor', async (c) => {
      const rows = await runs(c);
      if (wantsCsv(c)) return sendCsv(c, 'runs', runColumns(c), rows);
      const main = html`<h1>${c.t('Дневни обработки', 'Daily runs')}</h1>
${banner(await takeFlash(c))}
${await waitingSection(c)}
<p><a class="button button--secondary" href="${RUNS}/preview">${c.t('Пробна обработка за днес (без изпращане)', "Today's dry run (nothing is sent)")}</a></p>
${table(c, { id: 'runs', caption: c.t('Последни обработки', 'Latest runs'), columns: runColumns(c), rows })}`;
      return sendHtml(c.reply, 200, layout(c, { title: c.t('Дневни обработки', 'Daily runs'), main, wide: true }));
    }),

    get(`${RUNS}/preview`, 'supervisor', async (c) => {
      const day = sofiaDate(c.deps.now());
      const r = await dryRun(day);
      const usual = await usualNotices(c.deps.db, day);
      const big = needsApproval(c.deps.config.backoffice.runApproval, r.plannedNotices, usual);
      const main = html`<h1>${c.t('Пробна обработка', 'Dry run')}: ${fmtDate(day)}</h1>
<p>${c.t('Нищо не е записано и нищо не е изпратено.', 'Nothing was saved and nothing was sent.')}</p>
<p>${c.t('Известия, които биха били създадени', 'Notices that would be created')}: <strong>${r.plannedNotices}</strong> (${c.t('обичайно', 'usually')} ${usual})</p>
${big ? banner(c.t('Обработката ще чака одобрение: известията са много повече от обичайното.', 'The run will wait for approval: far more notices than usual.'), 'warning') : ''}
${figuresTable(c, 'preview', r.figures, null)}`;
      return sendHtml(c.reply, 200, layout(c, { title: c.t('Пробна обработка', 'Dry run'), main, wide: true }));
    }),

    get(`${RUNS}/:id`, 'supervisor', async (c) => {
      const id = idParam(c, 'id');
      const [r] = id === null ? [] : await runs(c, id);
      if (!r) return messagePage(c, 404, c.t('Няма такава обработка', 'No such run'), c.t('Проверете връзката.', 'Check the link.'));
      if (wantsCsv(c)) {
        const rows = flattenFigures(r.figures);
        return sendCsv(c, `run-${r.id}`, figureColumns(c, rows), rows);
      }
      const main = html`<h1>${c.t('Обработка', 'Run')} ${r.id}: ${fmtDate(r.runDate)}</h1>
${table(c, { id: 'run', caption: c.t('Обобщение', 'Summary'), columns: runColumns(c), rows: [r], csv: null })}
${figuresTable(c, 'figures', r.figures, `${RUNS}/${r.id}?format=csv`)}`;
      return sendHtml(c.reply, 200, layout(c, { title: `${c.t('Обработка', 'Run')} ${r.id}`, main, wide: true }));
    }),

    post(`${RUNS}/approvals/:date`, 'supervisor', async (c) => {
      const date = param(c, 'date');
      const decision = field(c, 'decision');
      if (!isLocalDate(date) || (decision !== 'approved' && decision !== 'rejected')) return redirect(c, RUNS);
      await decideApproval(c.deps.db, { runDate: date, decision, note: field(c, 'note') || null, actor: actor(c) });
      await flash(c, decision === 'approved' ? c.t('Обработката е одобрена; ще продължи при следващото стартиране.', 'The run is approved; it goes ahead when it next starts.') : c.t('Обработката е отказана за този ден.', 'The run is rejected for this day.'));
      return redirect(c, RUNS);
    }),
  ];
}

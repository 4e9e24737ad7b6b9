// Daily runs (supervisors): the list with their figures, one run's figures by stage and channel,
// the dry-run preview of today, and the runs waiting for approval.
import { sofiaDate } from '../../dunning/calendar/index.js';
import { html, sendHtml, type SafeHtml } from '../../http/html.js';
import { needsApproval, usualNotices } from '../run-approval.js';
import { banner, summary } from './components.js';
import { idParam, type StaffCtx } from './context.js';
import { csvEur, fmtDate, fmtDateTime, fmtEur, iso } from './format.js';
import { layout } from './layout.js';
import { sendCsv, table, wantsCsv, type Column } from './list.js';
import { messagePage, get, type BackofficeRoute } from './route.js';
import { takeFlash } from './account-pages.js';
import { RUNS, approvalRoutes, approvalSection, awaitingApproval } from './run-approval-section.js';

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
  approval: Approval | null;
}

interface Approval {
  decision: 'approved' | 'rejected' | null;
  planned: number;
  usual: number;
  decidedBy: string | null;
  decidedAt: Date | null;
  note: string | null;
}

const approvalState = (c: StaffCtx, a: Approval | null): string =>
  a === null ? '' : a.decision === null ? c.t('чака решение', 'awaiting a decision') : a.decision === 'approved' ? c.t('одобрена', 'approved') : c.t('отказана', 'rejected');

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
    { bg: 'Одобрение', en: 'Approval', csv: (r) => r.approval?.decision ?? (r.approval ? 'awaiting' : null), cell: (r) => approvalState(c, r.approval) },
  ];
}

async function runs(c: StaffCtx, id?: number): Promise<RunRow[]> {
  let q = c.deps.db
    .selectFrom('dunning_runs as r')
    .leftJoin('dunning_run_approvals as a', 'a.run_id', 'r.id')
    .selectAll('r')
    .select(['a.run_id as held_run', 'a.decision', 'a.planned_notices', 'a.usual_notices', 'a.decided_by', 'a.decided_at', 'a.note'])
    .orderBy('r.run_date', 'desc')
    .orderBy('r.id', 'desc')
    .limit(200);
  if (id !== undefined) q = q.where('r.id', '=', id);
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
    approval:
      r.held_run === null
        ? null
        : { decision: r.decision, planned: r.planned_notices ?? 0, usual: r.usual_notices ?? 0, decidedBy: r.decided_by, decidedAt: r.decided_at, note: r.note },
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

function approvalSummary(c: StaffCtx, a: Approval): SafeHtml {
  return html`<section aria-labelledby="approval-title" class="card"><h2 id="approval-title">${c.t('Одобрение', 'Approval')}: ${approvalState(c, a)}</h2>
${summary([
  [c.t('Задържани известия', 'Held notices'), a.planned],
  [c.t('Обичайно за ден', 'Usual for a day'), a.usual],
  [c.t('Решение от', 'Decided by'), a.decidedBy],
  [c.t('Кога', 'When'), a.decidedAt ? fmtDateTime(a.decidedAt) : null],
  [c.t('Причина', 'Reason'), a.note],
])}
</section>`;
}

export function runRoutes(dryRun: DryRun): BackofficeRoute[] {
  return [
    get(RUNS, 'supervisor', async (c) => {
      const rows = await runs(c);
      if (wantsCsv(c)) return sendCsv(c, 'runs', runColumns(c), rows);
      const main = html`<h1>${c.t('Дневни обработки', 'Daily runs')}</h1>
${banner(await takeFlash(c))}
${approvalSection(c, await awaitingApproval(c.deps.db), RUNS)}
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
${big ? banner(c.t('Обработката ще чака одобрение: известията са много повече от обичайното и ще бъдат задържани, докато ръководител не реши.', 'The run will wait for approval: far more notices than usual, held until a supervisor decides.'), 'warning') : ''}
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
      const waiting = r.approval !== null && r.approval.decision === null ? (await awaitingApproval(c.deps.db)).filter((d) => d.runDate === r.runDate) : [];
      const main = html`<h1>${c.t('Обработка', 'Run')} ${r.id}: ${fmtDate(r.runDate)}</h1>
${banner(await takeFlash(c))}
${waiting.length > 0 ? approvalSection(c, waiting, `${RUNS}/${r.id}`) : r.approval ? approvalSummary(c, r.approval) : ''}
${table(c, { id: 'run', caption: c.t('Обобщение', 'Summary'), columns: runColumns(c), rows: [r], csv: null })}
${figuresTable(c, 'figures', r.figures, `${RUNS}/${r.id}?format=csv`)}`;
      return sendHtml(c.reply, 200, layout(c, { title: `${c.t('Обработка', 'Run')} ${r.id}`, main, wide: true }));
    }),

    ...approvalRoutes,
  ];
}

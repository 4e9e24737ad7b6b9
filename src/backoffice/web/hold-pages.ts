// Holds (supervisors): set one on a customer with a reason and an end date, lift it early, and
// the list of holds in force. The dunning engineer's placeHold/releaseHold do the work and audit.
import { sql } from 'kysely';
import { addDays, isLocalDate, sofiaDate } from '../../dunning/calendar/index.js';
import { HOLD_REASONS, placeHold, releaseHold } from '../../dunning/holds.js';
import type { HoldReason } from '../../dunning/tables.js';
import { html, sendHtml, type SafeHtml } from '../../http/html.js';
import type { HoldRow } from '../customer-view.js';
import { saveSessionData } from '../sessions.js';
import { button, input, postForm, select, type FieldError } from './components.js';
import { BASE, actor, field, idParam, param, redirect, type StaffCtx } from './context.js';
import { fmtDate, fmtDateTime, iso } from './format.js';
import { label } from './labels.js';
import { layout } from './layout.js';
import { sendCsv, table, wantsCsv, type Column } from './list.js';
import { messagePage, get, post, type BackofficeRoute } from './route.js';

// A hold is a decision to review, not a permanent exemption.
const MAX_DAYS = 366;

async function flash(c: StaffCtx, text: string) {
  c.session.data.flash = text;
  await saveSessionData(c.deps.db, c.session);
}

function holdForm(c: StaffCtx, number: string, v: { reason: string; until: string; note: string }, errors: FieldError[] = []): SafeHtml {
  return postForm(
    c.session.csrf,
    `${BASE}/customers/${number}/holds`,
    html`${select(c, { name: 'reason', label: c.t('Причина', 'Reason'), value: v.reason, options: HOLD_REASONS.map((r) => ({ value: r, label: label(c, 'holdReason', r) })), errors })}
${input(c, { name: 'until', label: c.t('Действа до (включително)', 'In force until (inclusive)'), type: 'date', value: v.until, width: 'short', hint: c.t('Датата на обещаното плащане, края на плана или датата за преглед.', 'The promised payment date, the end of the plan, or the review date.'), errors })}
${input(c, { name: 'note', label: c.t('Бележка', 'Note'), value: v.note, width: 'long', errors })}
${button(c.t('Поставяне на задържане', 'Place the hold'))}`,
    { label: c.t('Ново задържане', 'New hold') },
  );
}

/** The supervisor's part of the customer page: lift an active hold, or place a new one. */
export function holdSection(c: StaffCtx, number: string, holds: readonly HoldRow[]): SafeHtml {
  const active = holds.filter((h) => h.active);
  return html`<section aria-labelledby="hold-title" class="card">
<h2 id="hold-title">${c.t('Задържане на известията и изключването', 'Hold notices and disconnection')}</h2>
${active.map(
  (h) => html`<p>${label(c, 'holdReason', h.reason)} ${c.t('до', 'until')} ${fmtDate(h.until)}
${postForm(c.session.csrf, `${BASE}/holds/${h.id}/release`, button(c.t('Снемане', 'Lift'), 'warning'), { inline: true, label: `${c.t('Снемане', 'Lift')} ${label(c, 'holdReason', h.reason)}` })}</p>`,
)}
${holdForm(c, number, { reason: 'promise_to_pay', until: addDays(sofiaDate(c.deps.now()), 14), note: '' })}
</section>`;
}

interface ActiveHold {
  id: number;
  customerNumber: string;
  name: string;
  reason: string;
  until: string;
  note: string | null;
  createdBy: string;
  createdAt: Date;
}

function activeColumns(c: StaffCtx): Column<ActiveHold>[] {
  return [
    { bg: 'Клиент', en: 'Customer', csv: (r) => r.customerNumber, cell: (r) => html`<a href="${BASE}/customers/${r.customerNumber}">${r.customerNumber}</a>` },
    { bg: 'Име', en: 'Name', csv: (r) => r.name },
    { bg: 'Причина', en: 'Reason', csv: (r) => label(c, 'holdReason', r.reason) },
    { bg: 'До', en: 'Until', csv: (r) => r.until, cell: (r) => fmtDate(r.until) },
    { bg: 'Бележка', en: 'Note', csv: (r) => r.note },
    { bg: 'Поставено от', en: 'Placed by', csv: (r) => r.createdBy },
    { bg: 'Поставено на', en: 'Placed at', csv: (r) => iso(r.createdAt), cell: (r) => fmtDateTime(r.createdAt) },
  ];
}

export const holdRoutes: BackofficeRoute[] = [
  get(`${BASE}/holds`, 'supervisor', async (c) => {
    const today = sofiaDate(c.deps.now());
    const rows = await c.deps.db
      .selectFrom('dunning_holds as h')
      .innerJoin('customers as k', 'k.customer_number', 'h.customer_number')
      .select(['h.id', 'h.customer_number', 'k.name', 'h.reason', 'h.until', 'h.note', 'h.created_by', 'h.created_at'])
      .where('h.released_at', 'is', null)
      .where('h.until', '>=', sql<string>`${today}::date`)
      .orderBy('h.until')
      .limit(5000)
      .execute();
    const holds: ActiveHold[] = rows.map((r) => ({ id: r.id, customerNumber: r.customer_number, name: r.name, reason: r.reason, until: r.until, note: r.note, createdBy: r.created_by, createdAt: r.created_at }));
    if (wantsCsv(c)) return sendCsv(c, 'holds', activeColumns(c), holds);
    const main = html`<h1>${c.t('Задържания в сила', 'Holds in force')}</h1>
<p>${c.t('Задържане се поставя от страницата на клиента.', "A hold is placed from the customer's page.")}</p>
${table(c, { id: 'holds', caption: c.t(`Задържания: ${holds.length}`, `Holds: ${holds.length}`), columns: activeColumns(c), rows: holds })}`;
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Задържания', 'Holds'), main, wide: true }));
  }),

  post(`${BASE}/customers/:number/holds`, 'supervisor', async (c) => {
    const number = param(c, 'number');
    const v = { reason: field(c, 'reason'), until: field(c, 'until'), note: field(c, 'note') };
    const today = sofiaDate(c.deps.now());
    const errors: FieldError[] = [];
    if (!(HOLD_REASONS as readonly string[]).includes(v.reason)) errors.push({ field: 'reason', text: c.t('Изберете причина.', 'Choose a reason.') });
    if (!isLocalDate(v.until) || v.until < today || v.until > addDays(today, MAX_DAYS)) {
      errors.push({ field: 'until', text: c.t(`Въведете дата от днес до ${MAX_DAYS} дни напред.`, `Enter a date from today up to ${MAX_DAYS} days ahead.`) });
    }
    if (v.note.length > 500) errors.push({ field: 'note', text: c.t('Бележката е твърде дълга (до 500 знака).', 'The note is too long (up to 500 characters).') });
    if (errors.length === 0) {
      try {
        const r = await placeHold(c.deps.db, { customerNumber: number, reason: v.reason as HoldReason, until: v.until, note: v.note || null }, actor(c));
        await flash(c, c.t(`Задържането е поставено; отменени чакащи известия: ${r.cancelled}.`, `The hold is placed; queued notices cancelled: ${r.cancelled}.`));
        return redirect(c, `${BASE}/customers/${number}`);
      } catch (e) {
        if ((e as { code?: string }).code !== 'NOT_FOUND') throw e;
        return messagePage(c, 404, c.t('Няма такъв клиент', 'No such customer'), c.t('Проверете клиентския номер.', 'Check the customer number.'));
      }
    }
    const main = html`<h1>${c.t('Ново задържане', 'New hold')} <span class="mono">${number}</span></h1>${holdForm(c, number, v, errors)}<p><a href="${BASE}/customers/${number}">${c.t('Назад към клиента', 'Back to the customer')}</a></p>`;
    return sendHtml(c.reply, 422, layout(c, { title: c.t('Ново задържане', 'New hold'), main, errors }));
  }),

  post(`${BASE}/holds/:id/release`, 'supervisor', async (c) => {
    const id = idParam(c, 'id');
    const hold = id === null ? undefined : await c.deps.db.selectFrom('dunning_holds').select(['customer_number', 'released_at']).where('id', '=', id).executeTakeFirst();
    if (!hold || id === null) return messagePage(c, 404, c.t('Няма такова задържане', 'No such hold'), c.t('Проверете връзката.', 'Check the link.'));
    if (hold.released_at === null) {
      await releaseHold(c.deps.db, id, actor(c));
      await flash(c, c.t('Задържането е снето.', 'The hold has been lifted.'));
    }
    return redirect(c, `${BASE}/customers/${hold.customer_number}`);
  }),
];

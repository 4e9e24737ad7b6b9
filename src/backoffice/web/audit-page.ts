// The audit trail, newest first, filtered by who or what (admins).
import { html, sendHtml } from '../../http/html.js';
import { button, input } from './components.js';
import { BASE, query, type StaffCtx } from './context.js';
import type { AuditRow } from '../customer-view.js';
import { auditColumns } from './customer-lists.js';
import { layout } from './layout.js';
import { sendCsv, table, wantsCsv } from './list.js';
import { get, type BackofficeRoute } from './route.js';

const LIMIT = 500;

export const auditRoutes: BackofficeRoute[] = [
  get(`${BASE}/audit`, 'admin', async (c: StaffCtx) => {
    const who = query(c, 'actor');
    const what = query(c, 'subject');
    let q = c.deps.db.selectFrom('audit_events').select(['at', 'actor', 'action', 'subject', 'details']).orderBy('at', 'desc').orderBy('id', 'desc').limit(LIMIT);
    if (who) q = q.where('actor', '=', who);
    if (what) q = q.where('subject', '=', what);
    // Without a filter the newest rows come from the (at) index; filters use (actor, at) and (subject, at).
    const rows = (await q.execute()) as AuditRow[];
    if (wantsCsv(c)) return sendCsv(c, 'audit', auditColumns, rows);
    const main = html`<h1>${c.t('Одитен журнал', 'Audit trail')}</h1>
<form method="get" action="${BASE}/audit" class="search">
${input(c, { name: 'actor', label: c.t('Кой (напр. staff:ivan)', 'Who (e.g. staff:ivan)'), value: who })}
${input(c, { name: 'subject', label: c.t('Обект (напр. клиентски номер)', 'Subject (e.g. a customer number)'), value: what })}
${button(c.t('Филтриране', 'Filter'), 'secondary')}
</form>
${table(c, { id: 'audit', caption: rows.length < LIMIT ? c.t(`Записи: ${rows.length}`, `Entries: ${rows.length}`) : c.t(`Последните ${LIMIT} записа`, `The latest ${LIMIT} entries`), columns: auditColumns, rows })}`;
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Одитен журнал', 'Audit trail'), main, wide: true }));
  }),
];

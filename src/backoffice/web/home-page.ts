// The start page after sign-in: the customer search for everyone, and the way to each part the
// role may use.
import { html, sendHtml } from '../../http/html.js';
import { allows } from '../roles.js';
import { BASE, type StaffCtx } from './context.js';
import { layout } from './layout.js';
import { searchForm } from './customer-pages.js';
import { get, type BackofficeRoute } from './route.js';

export const homeRoutes: BackofficeRoute[] = [
  get(`${BASE}/`, 'signed_in', async (c: StaffCtx) => {
    const role = c.session.user.role;
    const main = html`<h1>${c.t('Добре дошли', 'Welcome')}, ${c.session.user.displayName}</h1>
${allows(role, 'agent') ? searchForm(c, '') : ''}
<ul class="list">
${allows(role, 'supervisor') ? html`<li><a href="${BASE}/dashboard">${c.t('Табло и отчети', 'Dashboard and reports')}</a></li><li><a href="${BASE}/runs">${c.t('Дневни обработки', 'Daily runs')}</a></li>` : ''}
${allows(role, 'admin') ? html`<li><a href="${BASE}/users">${c.t('Служители', 'Staff')}</a></li><li><a href="${BASE}/audit">${c.t('Одитен журнал', 'Audit trail')}</a></li>` : ''}
<li><a href="${BASE}/account">${c.t('Моят профил', 'My account')}</a></li>
</ul>`;
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Начало', 'Start'), main }));
  }),
];

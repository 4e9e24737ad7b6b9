// Customer look-up and the customer page: invoices, payments, subscriptions, holds, every message
// with its delivery, and the audit trail; each list also as CSV. Viewing is audited (personal data).
import { recordAudit } from '../../audit/record.js';
import { sofiaDate } from '../../dunning/calendar/index.js';
import { html, sendHtml, type SafeHtml } from '../../http/html.js';
import { allows } from '../roles.js';
import { customerAudit, customerHolds, customerInvoices, customerMessages, customerPayments, customerSubscriptions, loadCustomer, VIEW_LIMIT, type CustomerView } from '../customer-view.js';
import { SEARCH_LIMIT, searchCustomers, type SearchBy } from '../lookup.js';
import { banner, button, input, select, summary } from './components.js';
import { BASE, actor, param, query, type Ctx, type StaffCtx } from './context.js';
import { auditColumns, foundColumns, holdColumns, invoiceColumns, messageColumns, paymentColumns, subscriptionColumns } from './customer-lists.js';
import { fmtDate, fmtEur } from './format.js';
import { label } from './labels.js';
import { layout } from './layout.js';
import { sendCsv, table, wantsCsv, type Column } from './list.js';
import { messagePage, get, type BackofficeRoute } from './route.js';
import { takeFlash } from './account-pages.js';
import { counterSection } from './counter-pages.js';
import { holdSection } from './hold-pages.js';

const CUSTOMERS = `${BASE}/customers`;
const BY: SearchBy[] = ['auto', 'customer', 'invoice', 'phone', 'email', 'name'];

export function searchForm(c: Ctx, q: string, by: SearchBy = 'auto'): SafeHtml {
  return html`<form method="get" action="${CUSTOMERS}" class="search" role="search">
${input(c, { name: 'q', label: c.t('Търсене на клиент', 'Find a customer'), value: q, type: 'search', width: 'long', hint: c.t('Клиентски номер, номер на фактура, телефон, имейл или начало на името', 'Customer number, invoice number, phone, email or the start of the name') })}
${select(c, {
  name: 'by',
  label: c.t('Търсене по', 'Search by'),
  value: by,
  options: BY.map((b) => ({ value: b, label: b === 'auto' ? c.t('всичко', 'anything') : label(c, 'matchedBy', b) })),
})}
${button(c.t('Търсене', 'Search'))}
</form>`;
}

const today = (c: Ctx) => sofiaDate(c.deps.now());

async function viewed(c: StaffCtx, number: string, what: string) {
  await recordAudit(c.deps.db, { actor: actor(c), action: 'backoffice.customer_viewed', subject: number, details: { what, ip: c.ip } });
}

type ListName = 'invoices' | 'payments' | 'subscriptions' | 'holds' | 'messages' | 'audit';
const LISTS: readonly ListName[] = ['invoices', 'payments', 'subscriptions', 'holds', 'messages', 'audit'];

/** One list of the customer with its columns (the page and its CSV use the same). */
async function list(c: StaffCtx, number: string, name: ListName): Promise<{ columns: Column<never>[]; rows: unknown[] }> {
  const db = c.deps.db;
  const pair = <T>(columns: Column<T>[], rows: T[]) => ({ columns: columns as unknown as Column<never>[], rows });
  switch (name) {
    case 'invoices':
      return pair(invoiceColumns(c), await customerInvoices(db, number, today(c)));
    case 'payments':
      return pair(paymentColumns(c), await customerPayments(db, number));
    case 'subscriptions':
      return pair(subscriptionColumns(c), await customerSubscriptions(db, number));
    case 'holds':
      return pair(holdColumns(c), await customerHolds(db, number, today(c)));
    case 'messages':
      return pair(messageColumns(c), await customerMessages(db, number));
    case 'audit':
      return pair(auditColumns, await customerAudit(db, number));
  }
}

function captions(c: Ctx): Record<ListName, string> {
  return {
    invoices: c.t('Фактури', 'Invoices'),
    payments: c.t('Плащания', 'Payments'),
    subscriptions: c.t('Абонаменти за известия', 'Notice subscriptions'),
    holds: c.t('Задържания', 'Holds'),
    messages: c.t('Съобщения', 'Messages'),
    audit: c.t('Одитна следа', 'Audit trail'),
  };
}

function header(c: StaffCtx, v: CustomerView): SafeHtml {
  const k = v.customer;
  return html`<h1>${k.name} <span class="mono">${k.number}</span></h1>
${summary([
  [c.t('Адрес', 'Address'), `${k.street}, ${k.postcode} ${k.town}`],
  [c.t('Вид клиент', 'Customer class'), label(c, 'customerClass', k.customerClass)],
  [c.t('Дължимо', 'Amount due'), fmtEur(v.balance.dueEurMinor, c.lang)],
  [c.t('Просрочено', 'Overdue'), v.balance.overdueEurMinor > 0 ? `${fmtEur(v.balance.overdueEurMinor, c.lang)} (${c.t('най-ранен падеж', 'earliest due date')} ${fmtDate(v.balance.oldestOverdue)})` : fmtEur(0, c.lang)],
])}`;
}

export const customerRoutes: BackofficeRoute[] = [
  get(CUSTOMERS, 'agent', async (c) => {
    const q = query(c, 'q');
    const byQ = query(c, 'by') as SearchBy;
    const by: SearchBy = BY.includes(byQ) ? byQ : 'auto';
    const found = q ? await searchCustomers(c.deps.db, q, by) : [];
    if (q) await recordAudit(c.deps.db, { actor: actor(c), action: 'backoffice.customer_searched', subject: null, details: { by, results: found.length, ip: c.ip } });
    if (wantsCsv(c)) return sendCsv(c, 'customers', foundColumns(c), found);
    // One exact match: straight to the customer.
    if (found.length === 1 && q && !wantsCsv(c) && query(c, 'list') !== '1') return c.reply.code(303).header('location', `${CUSTOMERS}/${found[0]!.customerNumber}`).send();
    const main = html`<h1>${c.t('Клиенти', 'Customers')}</h1>
${searchForm(c, q, by)}
${q ? table(c, { id: 'found', caption: found.length >= SEARCH_LIMIT ? c.t(`Намерени: ${SEARCH_LIMIT} или повече`, `Found: ${SEARCH_LIMIT} or more`) : c.t(`Намерени: ${found.length}`, `Found: ${found.length}`), columns: foundColumns(c), rows: found, empty: c.t('Няма намерени клиенти.', 'No customers found.'), ...(found.length >= SEARCH_LIMIT ? { more: c.t(`Показани са първите ${SEARCH_LIMIT}; уточнете търсенето.`, `The first ${SEARCH_LIMIT} are shown; narrow the search.`) } : {}) }) : ''}`;
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Клиенти', 'Customers'), main, wide: true }));
  }),

  get(`${CUSTOMERS}/:number`, 'agent', async (c) => {
    const number = param(c, 'number');
    const v = /^[0-9]{4,16}$/.test(number) ? await loadCustomer(c.deps.db, number, today(c)) : null;
    if (!v) return messagePage(c, 404, c.t('Няма такъв клиент', 'No such customer'), c.t('Проверете клиентския номер.', 'Check the customer number.'));
    await viewed(c, number, 'page');
    const caps = captions(c);
    const sections: SafeHtml[] = [];
    for (const name of LISTS) {
      const l = await list(c, number, name);
      sections.push(
        table(c, {
          id: name,
          caption: caps[name],
          columns: l.columns,
          rows: l.rows as never[],
          csv: `${CUSTOMERS}/${number}/export/${name}`,
          ...(l.rows.length >= VIEW_LIMIT ? { more: c.t(`Показани са последните ${VIEW_LIMIT}.`, `The latest ${VIEW_LIMIT} are shown.`) } : {}),
        }),
      );
      if (name === 'subscriptions') sections.push(await counterSection(c, number));
      if (name === 'holds' && allows(c.session.user.role, 'supervisor')) sections.push(holdSection(c, number, await customerHolds(c.deps.db, number, today(c))));
    }
    const main = html`${banner(await takeFlash(c))}${header(c, v)}${sections}`;
    return sendHtml(c.reply, 200, layout(c, { title: `${v.customer.name} ${number}`, main, wide: true }));
  }),

  get(`${CUSTOMERS}/:number/export/:list`, 'agent', async (c) => {
    const number = param(c, 'number');
    const name = param(c, 'list') as ListName;
    const v = /^[0-9]{4,16}$/.test(number) ? await loadCustomer(c.deps.db, number, today(c)) : null;
    if (!v || !LISTS.includes(name)) return messagePage(c, 404, c.t('Няма такъв списък', 'No such list'), c.t('Проверете връзката.', 'Check the link.'));
    const l = await list(c, number, name);
    return sendCsv(c, `${number}-${name}`, l.columns, l.rows as never[], number);
  }),
];

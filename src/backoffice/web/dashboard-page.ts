// The dashboard (supervisors): runs awaiting a decision, messages, delivery, SMS parts and cost,
// Viber messages (by Viber, by the gateway's SMS, fallen back to our SMS) and cost, subscriptions by source, effectiveness by stage and channel, the queue, and contacts that need fixing. The charts are
// drawn by Chart.js from our own origin; every figure is also a table and a CSV.
import { html, raw, sendHtml, type SafeHtml } from '../../http/html.js';
import { ATTENTION_LIMIT, contactsNeedingAttention, effectiveness, messagesByMonth, monthList, queueNow, smsByMonth, subscriptionsByMonth, viberByMonth, type AttentionRow, type Effectiveness, type MonthChannel, type QueueRow, type SmsMonth, type SubscriptionMonth, type ViberMonth } from '../reports.js';
import { takeFlash } from './account-pages.js';
import { banner } from './components.js';
import { BASE, param, type StaffCtx } from './context.js';
import { csvEur, fmtDateTime, fmtEur, iso } from './format.js';
import { label } from './labels.js';
import { layout } from './layout.js';
import { sendCsv, table, type Column } from './list.js';
import { messagePage, get, type BackofficeRoute } from './route.js';
import { approvalSection, awaitingApproval } from './run-approval-section.js';
import { ASSETS } from './assets.js';

const DASHBOARD = `${BASE}/dashboard`;
const MONTHS = 24;
const CHANNELS = ['sms', 'viber', 'email', 'letter'] as const;
// queueNow reports these three (a Viber message waits in the queue as an SMS would, and is rare).
const QUEUE_CHANNELS = ['sms', 'email', 'letter'] as const;

// The dashboard is the one page with scripts, ours only.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const pct = (part: number, whole: number) => (whole === 0 ? null : Math.round((1000 * part) / whole) / 10);

interface Reports {
  months: string[];
  messages: MonthChannel[];
  sms: SmsMonth[];
  viber: ViberMonth[];
  subscriptions: SubscriptionMonth[];
  effect: Effectiveness[];
  queue: QueueRow[];
  attention: { total: number; rows: AttentionRow[] };
}

async function load(c: StaffCtx): Promise<Reports> {
  const now = c.deps.now();
  const months = monthList(now, MONTHS);
  const db = c.deps.db;
  return {
    months,
    messages: await messagesByMonth(db, months),
    sms: await smsByMonth(db, months),
    viber: await viberByMonth(db, months),
    subscriptions: await subscriptionsByMonth(db, months),
    effect: await effectiveness(db, months.slice(-12)),
    queue: await queueNow(db, now),
    attention: await contactsNeedingAttention(db),
  };
}

const monthColumn = <T extends { month: string }>(): Column<T> => ({ bg: 'Месец', en: 'Month', csv: (r) => r.month });

function columns(c: StaffCtx) {
  return {
    messages: [
      monthColumn<MonthChannel>(),
      { bg: 'Канал', en: 'Channel', csv: (r) => label(c, 'channel', r.channel) },
      { bg: 'Съобщения', en: 'Messages', csv: (r) => r.messages, numeric: true },
      { bg: 'Изпратени', en: 'Sent', csv: (r) => r.sent, numeric: true },
      { bg: 'Доставени', en: 'Delivered', csv: (r) => r.delivered, numeric: true },
      { bg: 'Неуспешни', en: 'Failed', csv: (r) => r.failed, numeric: true },
      { bg: 'Успеваемост (%)', en: 'Success rate (%)', csv: (r) => pct(r.sent, r.sent + r.failed), numeric: true },
    ] as Column<MonthChannel>[],
    sms: [
      monthColumn<SmsMonth>(),
      { bg: 'SMS части', en: 'SMS parts', csv: (r) => r.segments, numeric: true },
      { bg: 'Цена (EUR)', en: 'Cost (EUR)', csv: (r) => csvEur(r.costMinor), cell: (r) => fmtEur(r.costMinor, c.lang), numeric: true },
      { bg: 'SMS известия', en: 'SMS notices', csv: (r) => r.notices, numeric: true },
      { bg: 'Средно части на известие', en: 'Average parts per notice', csv: (r) => (r.partsPerNotice === null ? null : r.partsPerNotice.toFixed(2)), numeric: true },
    ] as Column<SmsMonth>[],
    viber: [
      monthColumn<ViberMonth>(),
      { bg: 'Viber съобщения', en: 'Viber messages', csv: (r) => r.messages, numeric: true },
      { bg: 'Изпратени', en: 'Sent', csv: (r) => r.sent, numeric: true },
      { bg: 'Доставени във Viber', en: 'Delivered by Viber', csv: (r) => r.deliveredByViber, numeric: true },
      { bg: 'Доставени с SMS от доставчика', en: "Delivered by the provider's SMS", csv: (r) => r.deliveredByProviderSms, numeric: true },
      { bg: 'Пренасочени към SMS', en: 'Fell back to SMS', csv: (r) => r.fellBackToSms, numeric: true },
      { bg: 'Цена на Viber (EUR)', en: 'Viber cost (EUR)', csv: (r) => csvEur(r.costMinor), cell: (r) => fmtEur(r.costMinor, c.lang), numeric: true },
      { bg: 'SMS части на пренасочените', en: 'SMS parts of the fallbacks', csv: (r) => r.fallbackSegments, numeric: true },
      { bg: 'Цена на пренасочените SMS (EUR)', en: 'Cost of the fallback SMS (EUR)', csv: (r) => csvEur(r.fallbackCostMinor), cell: (r) => fmtEur(r.fallbackCostMinor, c.lang), numeric: true },
    ] as Column<ViberMonth>[],
    subscriptions: [
      monthColumn<SubscriptionMonth>(),
      { bg: 'Източник', en: 'Source', csv: (r) => label(c, 'source', r.source) },
      { bg: 'Активни в края на месеца', en: 'Active at month end', csv: (r) => r.active, numeric: true },
      { bg: 'Нови', en: 'New', csv: (r) => r.added, numeric: true },
      { bg: 'Прекратени', en: 'Ended', csv: (r) => r.ended, numeric: true },
    ] as Column<SubscriptionMonth>[],
    effectiveness: [
      { bg: 'Етап', en: 'Stage', csv: (r) => r.stage },
      { bg: 'Канал', en: 'Channel', csv: (r) => label(c, 'channel', r.channel) },
      { bg: 'Известия', en: 'Notices', csv: (r) => r.notices, numeric: true },
      { bg: 'Платили преди изключване', en: 'Paid before disconnection', csv: (r) => r.paidInTime, numeric: true },
      { bg: '%', en: '%', csv: (r) => pct(r.paidInTime, r.notices), numeric: true },
    ] as Column<Effectiveness>[],
    queue: [
      { bg: 'Канал', en: 'Channel', csv: (r) => label(c, 'channel', r.channel) },
      { bg: 'Чакат сега', en: 'Due now', csv: (r) => r.due, numeric: true },
      { bg: 'Насрочени', en: 'Scheduled', csv: (r) => r.later, numeric: true },
      { bg: 'Изпращат се', en: 'Sending', csv: (r) => r.sending, numeric: true },
      { bg: 'Най-старо чакащо', en: 'Oldest due', csv: (r) => iso(r.oldestDue), cell: (r) => fmtDateTime(r.oldestDue) },
    ] as Column<QueueRow>[],
    attention: [
      { bg: 'Клиент', en: 'Customer', csv: (r) => r.customerNumber, cell: (r) => html`<a href="${BASE}/customers/${r.customerNumber}">${r.customerNumber}</a>` },
      { bg: 'Име', en: 'Name', csv: (r) => r.name },
      { bg: 'Канал', en: 'Channel', csv: (r) => label(c, 'channel', r.channel) },
      { bg: 'Контакт', en: 'Contact', csv: (r) => r.address },
      { bg: 'Неуспешни доставки', en: 'Failed deliveries', csv: (r) => r.hardFailures, numeric: true },
      { bg: 'Отбелязан', en: 'Flagged', csv: (r) => iso(r.updatedAt), cell: (r) => fmtDateTime(r.updatedAt) },
    ] as Column<AttentionRow>[],
  };
}

type ReportName = keyof ReturnType<typeof columns>;
const REPORTS: readonly ReportName[] = ['messages', 'sms', 'viber', 'subscriptions', 'effectiveness', 'queue', 'attention'];

function rowsOf(r: Reports, name: ReportName): unknown[] {
  switch (name) {
    case 'messages':
      return r.messages;
    case 'sms':
      return r.sms;
    case 'viber':
      return r.viber;
    case 'subscriptions':
      return r.subscriptions;
    case 'effectiveness':
      return r.effect;
    case 'queue':
      return r.queue;
    case 'attention':
      return r.attention.rows;
  }
}

/** What the charts draw, in the page's language. */
function chartData(c: StaffCtx, r: Reports) {
  const byMonth = <T extends { month: string }>(rows: readonly T[], pick: (row: T | undefined) => number | null, filter: (row: T) => boolean = () => true) =>
    r.months.map((m) => pick(rows.find((x) => x.month === m && filter(x))));
  const stages = [...new Set(r.effect.map((e) => e.stage))];
  const perChannel = <T>(f: (ch: (typeof CHANNELS)[number]) => T) => Object.fromEntries(CHANNELS.map((ch) => [ch, f(ch)]));
  return {
    names: {
      sms: 'SMS',
      viber: 'Viber',
      email: c.t('имейл', 'email'),
      letter: c.t('писмо', 'letter'),
      online: c.t('онлайн', 'online'),
      centre: c.t('център', 'centre'),
      import: c.t('импорт', 'import'),
      segments: c.t('SMS части', 'SMS parts'),
      cost: c.t('Цена (EUR)', 'Cost (EUR)'),
      byViber: c.t('доставени във Viber', 'delivered by Viber'),
      byProviderSms: c.t('доставени с SMS от доставчика', "delivered by the provider's SMS"),
      fellBack: c.t('пренасочени към SMS', 'fell back to SMS'),
      viberCost: c.t('Цена на Viber (EUR)', 'Viber cost (EUR)'),
      due: c.t('чакат сега', 'due now'),
      later: c.t('насрочени', 'scheduled'),
      sending: c.t('изпращат се', 'sending'),
    },
    months: r.months,
    messages: perChannel((ch) => byMonth(r.messages, (x) => x?.messages ?? 0, (x) => x.channel === ch)),
    rate: perChannel((ch) => byMonth(r.messages, (x) => (x ? pct(x.sent, x.sent + x.failed) : null), (x) => x.channel === ch)),
    sms: { segments: byMonth(r.sms, (x) => x?.segments ?? 0), cost: byMonth(r.sms, (x) => (x?.costMinor ?? 0) / 100) },
    viber: {
      byViber: byMonth(r.viber, (x) => x?.deliveredByViber ?? 0),
      byProviderSms: byMonth(r.viber, (x) => x?.deliveredByProviderSms ?? 0),
      fellBack: byMonth(r.viber, (x) => x?.fellBackToSms ?? 0),
      cost: byMonth(r.viber, (x) => (x?.costMinor ?? 0) / 100),
    },
    subscriptions: Object.fromEntries((['online', 'centre', 'import'] as const).map((s) => [s, byMonth(r.subscriptions, (x) => x?.active ?? 0, (x) => x.source === s)])),
    effectiveness: { stages, ...perChannel((ch) => stages.map((s) => { const e = r.effect.find((x) => x.stage === s && x.channel === ch); return e ? pct(e.paidInTime, e.notices) : null; })) },
    queue: { channels: QUEUE_CHANNELS.map((ch) => label(c, 'channel', ch)), due: r.queue.map((q) => q.due), later: r.queue.map((q) => q.later), sending: r.queue.map((q) => q.sending) },
  };
}

function chartBlock(c: StaffCtx, id: string, title: string, description: string, data: SafeHtml): SafeHtml {
  return html`<section class="card" aria-labelledby="${id}-title">
<h2 id="${id}-title">${title}</h2>
<figure><div class="chart"><canvas id="chart-${id}" role="img" aria-label="${title}. ${description}"></canvas></div><figcaption class="hint">${description}</figcaption></figure>
<details><summary>${c.t('Данните като таблица', 'The figures as a table')}</summary>${data}</details>
</section>`;
}

export const dashboardRoutes: BackofficeRoute[] = [
  get(DASHBOARD, 'supervisor', async (c) => {
    const r = await load(c);
    const cols = columns(c);
    const t = (name: ReportName, caption: string) => table(c, { id: `table-${name}`, caption, columns: cols[name] as Column<never>[], rows: rowsOf(r, name) as never[], csv: `${DASHBOARD}/export/${name}` });
    // JSON inside <script> is not HTML-decoded: escape '<' so no '</script>' can close it early.
    const json = JSON.stringify(chartData(c, r)).replace(/</g, '\\u003c');
    const head = html`<script src="${ASSETS}/chart.umd.min.js" defer></script><script src="${ASSETS}/dashboard.js" defer></script>`;
    // A held run sends nothing until decided: it comes first, and only while there is one.
    const awaiting = await awaitingApproval(c.deps.db);
    const main = html`<h1>${c.t('Табло', 'Dashboard')}</h1>
${banner(await takeFlash(c))}
${awaiting.length > 0 ? approvalSection(c, awaiting, DASHBOARD) : ''}
<div class="cols">
${chartBlock(c, 'messages', c.t('Съобщения по месеци и канали', 'Messages per month by channel'), c.t('Последните 24 месеца.', 'The last 24 months.'), t('messages', c.t('Съобщения', 'Messages')))}
${chartBlock(c, 'delivery', c.t('Успешно предадени съобщения (%)', 'Messages delivered to the provider (%)'), c.t('Изпратени или доставени, от всички с окончателен резултат.', 'Sent or delivered, of all with a final outcome.'), html`<p>${c.t('Вижте таблицата „Съобщения“, колона „Успеваемост“.', 'See the Messages table, column "Success rate".')}</p>`)}
${chartBlock(c, 'sms', c.t('SMS части и цена по месеци', 'SMS parts and cost per month'), c.t('Изпратените SMS.', 'SMS sent.'), t('sms', c.t('SMS', 'SMS')))}
${chartBlock(c, 'viber', c.t('Viber по месеци: доставени, пренасочени към SMS и цена', 'Viber per month: delivered, fallen back to SMS, and cost'), c.t('Viber съобщенията и какво стана с тях; цената е по VIBER_PRICE_PER_MESSAGE на изпратено съобщение, а пренасочените SMS са и в SMS таблицата.', 'The Viber messages and what became of them; the cost is VIBER_PRICE_PER_MESSAGE per message sent, and the fallback SMS are in the SMS table too.'), t('viber', 'Viber'))}
${chartBlock(c, 'subscriptions', c.t('Активни абонаменти по източник', 'Active subscriptions by source'), c.t('В края на всеки месец.', 'At the end of each month.'), t('subscriptions', c.t('Абонаменти', 'Subscriptions')))}
${chartBlock(c, 'effectiveness', c.t('Платили преди изключване (%)', 'Paid before disconnection (%)'), c.t('По етап и канал, за известията от обработките през последните 12 месеца.', 'By stage and channel, for the notices of the runs of the last 12 months.'), t('effectiveness', c.t('Ефективност', 'Effectiveness')))}
${chartBlock(c, 'queue', c.t('Опашката сега', 'The queue now'), c.t('Чакащи и изпращани съобщения по канал.', 'Waiting and sending messages by channel.'), t('queue', c.t('Опашка', 'Queue')))}
</div>
<section class="card" aria-labelledby="attention-title"><h2 id="attention-title">${c.t('Контакти за поправка', 'Contacts that need fixing')}: ${r.attention.total}</h2>
<p class="hint">${c.t('Активни контакти с повтарящи се неуспешни доставки: поискайте нов от клиента.', 'Active contacts with repeated failed deliveries: ask the customer for a new one.')}</p>
${table(c, { id: 'table-attention', caption: c.t('Контакти', 'Contacts'), columns: cols.attention, rows: r.attention.rows, csv: `${DASHBOARD}/export/attention`, ...(r.attention.total > ATTENTION_LIMIT ? { more: c.t(`Показани са последните ${ATTENTION_LIMIT}.`, `The latest ${ATTENTION_LIMIT} are shown.`) } : {}) })}
</section>
<script type="application/json" id="dashboard-data">${raw(json)}</script>`;
    c.reply.header('content-security-policy', CSP);
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Табло', 'Dashboard'), main, head, wide: true }));
  }),

  get(`${DASHBOARD}/export/:report`, 'supervisor', async (c) => {
    const name = param(c, 'report') as ReportName;
    if (!REPORTS.includes(name)) return messagePage(c, 404, c.t('Няма такъв отчет', 'No such report'), c.t('Проверете връзката.', 'Check the link.'));
    const r = await load(c);
    return sendCsv(c, `dashboard-${name}`, columns(c)[name] as Column<never>[], rowsOf(r, name) as never[]);
  }),
];

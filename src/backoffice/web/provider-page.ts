// Providers (admins): which SMS and email providers this installation uses (from its settings;
// secrets never shown), what waits for want of one, and how they answered over the last 24 hours.
import { html, sendHtml } from '../../http/html.js';
import { providerStats, waitingForProvider, type ProviderStats } from '../provider-stats.js';
import { BASE, type StaffCtx } from './context.js';
import { layout } from './layout.js';
import { sendCsv, table, wantsCsv, type Column } from './list.js';
import { get, type BackofficeRoute } from './route.js';

/** A URL without its user and password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

interface Configured {
  channel: string;
  kind: string;
  target: string;
  rate: string;
}

const seconds = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);

export const providerRoutes: BackofficeRoute[] = [
  get(`${BASE}/providers`, 'admin', async (c: StaffCtx) => {
    const d = c.deps.config.delivery;
    const configured: Configured[] = [];
    // While the sandbox is on it takes every channel, configured or not: recorded, never sent.
    if (c.deps.config.sandbox) configured.push({ channel: `SMS, ${c.t('имейл', 'email')}`, kind: c.t('тестов режим (нищо не се изпраща)', 'sandbox (nothing is sent)'), target: '/dev/outbox', rate: '—' });
    else if (d.smpp) configured.push({ channel: 'SMS', kind: 'SMPP 3.4', target: redactUrl(d.smpp.url), rate: `${d.smpp.rate}/s, ${c.t('прозорец', 'window')} ${d.smpp.window}, ${c.t('в движение', 'in flight')} ${d.smpp.inFlight}` });
    else if (d.httpSms) configured.push({ channel: 'SMS', kind: 'HTTP', target: redactUrl(d.httpSms.url), rate: `${d.httpSms.rate}/s` });
    if (d.smtp && !c.deps.config.sandbox) configured.push({ channel: c.t('имейл', 'email'), kind: 'SMTP', target: redactUrl(d.smtp.url), rate: `${d.smtp.rate}/s, ${d.smtp.poolSize} ${c.t('връзки', 'connections')}, ${c.t('в движение', 'in flight')} ${d.smtp.inFlight}` });
    const waiting = await waitingForProvider(c.deps.db, c.deps.config);
    const stats = await providerStats(c.deps.db, new Date(c.deps.now().getTime() - 86_400_000));
    const statColumns: Column<ProviderStats>[] = [
      { bg: 'Доставчик', en: 'Provider', csv: (r) => r.provider },
      { bg: 'Опити', en: 'Attempts', csv: (r) => r.attempts, numeric: true },
      { bg: 'Приети', en: 'Accepted', csv: (r) => r.accepted, numeric: true },
      { bg: 'Временни грешки', en: 'Transient errors', csv: (r) => r.transient, numeric: true },
      { bg: 'Окончателни грешки', en: 'Permanent errors', csv: (r) => r.permanent, numeric: true },
      { bg: 'Неясни', en: 'Unknown', csv: (r) => r.unknown, numeric: true },
      { bg: 'Медиана (s)', en: 'Median (s)', csv: (r) => seconds(r.p50), numeric: true },
      { bg: '95% (s)', en: '95th pct (s)', csv: (r) => seconds(r.p95), numeric: true },
      { bg: 'Максимум (s)', en: 'Max (s)', csv: (r) => seconds(r.max), numeric: true },
    ];
    if (wantsCsv(c)) return sendCsv(c, 'providers', statColumns, stats);
    const configuredColumns: Column<Configured>[] = [
      { bg: 'Канал', en: 'Channel', csv: (r) => r.channel },
      { bg: 'Вид', en: 'Kind', csv: (r) => r.kind },
      { bg: 'Адрес', en: 'Address', csv: (r) => r.target, cell: (r) => html`<span class="mono">${r.target}</span>` },
      { bg: 'Скорост', en: 'Rate', csv: (r) => r.rate },
    ];
    const main = html`<h1>${c.t('Доставчици', 'Providers')}</h1>
<p class="hint">${c.t('Доставчиците се задават с настройките на сървъра (SMPP_URL, HTTP_SMS_URL, SMTP_URL); паролите не се показват.', 'Providers are set in the server settings (SMPP_URL, HTTP_SMS_URL, SMTP_URL); passwords are not shown.')}</p>
${waiting.map(
  (w) => html`<div class="banner banner--warning"><p>${c.t(
    `Няма доставчик за ${w.channel === 'sms' ? 'SMS' : 'имейл'}: ${w.waiting} съобщения чакат. Задайте ${w.setting.replace(' or ', ' или ')} и рестартирайте.`,
    `No provider for ${w.channel === 'sms' ? 'SMS' : 'email'}: ${w.waiting} messages waiting. Set ${w.setting} and restart.`,
  )}</p></div>`,
)}
${table(c, { id: 'configured', caption: c.t('Настроени', 'Configured'), columns: configuredColumns, rows: configured, csv: null })}
${table(c, { id: 'stats', caption: c.t('Последните 24 часа', 'The last 24 hours'), columns: statColumns, rows: stats, empty: c.t('Няма опити за изпращане.', 'No send attempts.') })}`;
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Доставчици', 'Providers'), main, wide: true }));
  }),
];

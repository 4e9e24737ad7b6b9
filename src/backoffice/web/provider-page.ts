// Providers (admins): which SMS and email providers this installation uses (from its settings;
// secrets never shown), what waits for want of one, and how they answered over the last 24 hours.
import { html, sendHtml } from '../../http/html.js';
import { smsProviderOverview, type SmsProviderOverview } from '../../delivery/sms-providers/overview.js';
import { providerStats, waitingForProvider, type ProviderStats } from '../provider-stats.js';
import { fmtDateTime } from './format.js';
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
  name: string;
  prefixes: string;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

const seconds = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);

export const providerRoutes: BackofficeRoute[] = [
  get(`${BASE}/providers`, 'admin', async (c: StaffCtx) => {
    const d = c.deps.config.delivery;
    const configured: Configured[] = [];
    // While the sandbox is on it takes every channel, configured or not: recorded, never sent.
    if (c.deps.config.sandbox) configured.push({ channel: `SMS, ${c.t('имейл', 'email')}`, kind: c.t('тестов режим (нищо не се изпраща)', 'sandbox (nothing is sent)'), target: '/dev/outbox', rate: '—', name: 'sandbox', prefixes: '' });
    else {
      // In priority order: new SMS go to the first healthy one (or the one preferred for the number's prefix).
      for (const p of d.smsProviders) {
        const rate = p.type === 'smpp' ? `${p.rate}/s, ${c.t('прозорец', 'window')} ${p.window}, ${c.t('в движение', 'in flight')} ${p.inFlight}` : `${p.rate}/s, ${c.t('в движение', 'in flight')} ${p.inFlight}`;
        configured.push({ channel: 'SMS', kind: p.type === 'smpp' ? 'SMPP 3.4' : 'HTTP', target: redactUrl(p.url), rate, name: p.name, prefixes: p.prefixes.join(', ') });
      }
    }
    if (d.smtp && !c.deps.config.sandbox) configured.push({ channel: c.t('имейл', 'email'), kind: 'SMTP', target: redactUrl(d.smtp.url), rate: `${d.smtp.rate}/s, ${d.smtp.poolSize} ${c.t('връзки', 'connections')}, ${c.t('в движение', 'in flight')} ${d.smtp.inFlight}`, name: 'smtp', prefixes: '' });
    const sms = c.deps.config.sandbox ? [] : await smsProviderOverview(c.deps.db, d.smsProviders, c.deps.now());
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
      { bg: 'Име', en: 'Name', csv: (r) => r.name, cell: (r) => html`<span class="mono">${r.name}</span>` },
      { bg: 'Предпочитан за', en: 'Preferred for', csv: (r) => r.prefixes, cell: (r) => (r.prefixes ? html`+359 ${r.prefixes}` : html`—`) },
    ];
    const healthColumns: Column<SmsProviderOverview>[] = [
      { bg: 'Ред', en: 'Order', csv: (r) => r.order, numeric: true },
      { bg: 'Доставчик', en: 'Provider', csv: (r) => r.settings.name, cell: (r) => html`<span class="mono">${r.settings.name}</span>` },
      {
        bg: 'Състояние',
        en: 'Health',
        csv: (r) => (r.health === null ? '' : r.health.healthy ? 'healthy' : 'unhealthy'),
        cell: (r) =>
          r.health === null
            ? html`<span class="provider-health" data-health="unknown">${c.t('няма данни', 'no report yet')}</span>`
            : r.health.healthy
              ? html`<span class="provider-health" data-health="healthy">${c.t('работи', 'healthy')}</span>`
              : html`<strong class="provider-health" data-health="unhealthy">${c.t('неизправен', 'unhealthy')}</strong>`,
      },
      { bg: 'От', en: 'Since', csv: (r) => r.health?.changedAt.toISOString() ?? '', cell: (r) => html`${fmtDateTime(r.health?.changedAt)}` },
      { bg: 'Причина', en: 'Reason', csv: (r) => r.health?.reason ?? '' },
      { bg: 'Последна грешка', en: 'Last error', csv: (r) => r.health?.lastError ?? '', cell: (r) => (r.health?.lastError ? html`${r.health.lastError} (${fmtDateTime(r.health.lastErrorAt)})` : html`—`) },
      { bg: 'Дял, последния час', en: 'Share, last hour', csv: (r) => percent(r.lastHour.share), cell: (r) => html`<span data-share-hour="${r.settings.name}">${percent(r.lastHour.share)}</span> (${r.lastHour.attempts})`, numeric: true },
      { bg: 'Дял, днес', en: 'Share, today', csv: (r) => percent(r.today.share), cell: (r) => html`<span data-share-today="${r.settings.name}">${percent(r.today.share)}</span> (${r.today.attempts})`, numeric: true },
    ];
    const main = html`<h1>${c.t('Доставчици', 'Providers')}</h1>
<p class="hint">${c.t('Доставчиците се задават с настройките на сървъра (SMS_PROVIDERS или SMPP_URL, HTTP_SMS_URL; SMTP_URL); паролите не се показват.', 'Providers are set in the server settings (SMS_PROVIDERS or SMPP_URL, HTTP_SMS_URL; SMTP_URL); passwords are not shown.')}</p>
${waiting.map(
  (w) => html`<div class="banner banner--warning"><p>${c.t(
    `Няма доставчик за ${w.channel === 'sms' ? 'SMS' : 'имейл'}: ${w.waiting} съобщения чакат. Задайте ${w.setting.replace(' or ', ' или ')} и рестартирайте.`,
    `No provider for ${w.channel === 'sms' ? 'SMS' : 'email'}: ${w.waiting} messages waiting. Set ${w.setting} and restart.`,
  )}</p></div>`,
)}
${table(c, { id: 'configured', caption: c.t('Настроени', 'Configured'), columns: configuredColumns, rows: configured, csv: null })}
${sms.length > 0 ? table(c, { id: 'sms-health', caption: c.t('SMS доставчици: състояние и дял от изпратените', 'SMS providers: health and share of traffic'), columns: healthColumns, rows: sms, csv: null }) : ''}
${sms.length > 1 ? html`<p class="hint">${c.t('Новите SMS отиват към първия работещ доставчик по ред (или към предпочитания за префикса на номера; заради преносимостта на номерата това е предпочитание, не правило). Неизправен доставчик се проверява на заден план и поема отново, щом се възстанови.', 'New SMS go to the first healthy provider in order (or to the one preferred for the number\'s prefix; with number portability that is a preference, not a rule). An unhealthy provider is probed in the background and takes over again once it recovers.')}</p>` : ''}
${table(c, { id: 'stats', caption: c.t('Последните 24 часа', 'The last 24 hours'), columns: statColumns, rows: stats, empty: c.t('Няма опити за изпращане.', 'No send attempts.') })}`;
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Доставчици', 'Providers'), main, wide: true }));
  }),
];

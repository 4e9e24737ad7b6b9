// The payment page of one notice, /p/<ref>: the amount of the notice, whether it has been paid
// since, its due date and every way to pay. Whoever holds the link sees it, so it shows the
// customer number masked and no name or address. An unknown ref, well formed or not, gets the same
// 404 after the same one index look-up; views are counted per client address.
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { DB } from '../../db/schema.js';
import type { Lang } from '../../delivery/text/default-templates.js';
import { formatMoney } from '../../delivery/text/money.js';
import { formatDateBg, maskCustomerNumber } from '../../delivery/text/render.js';
import { html, sendHtml, type SafeHtml } from '../../http/html.js';
import type { PortalDeps } from '../deps.js';
import { ipLimitKey } from '../ip-prefix.js';
import { layout } from '../web/layout.js';
import { page, webOf } from '../web/session.js';
import { PAY_PAGE_PREFIX } from './link.js';
import { payWays } from './ways.js';

export type PayPageDeps = PortalDeps & { config: PortalDeps['config'] & Pick<Config, 'payment' | 'brand'> };

const t = {
  title: { bg: 'Плащане на сметка за ток', en: 'Paying your electricity bill' },
  customer: { bg: 'Клиентски номер', en: 'Customer number' },
  notified: { bg: 'Сума по известието', en: 'Amount in the notice' },
  due: { bg: 'Падеж', en: 'Due date' },
  left: { bg: 'Остава за плащане', en: 'Still to pay' },
  paid: { bg: 'Платено. Благодарим Ви!', en: 'Paid. Thank you!' },
  paidBody: { bg: 'Фактурите от това известие вече са платени.', en: 'The invoices of this notice have been paid.' },
  part: { bg: 'Част от сумата вече е платена.', en: 'Part of the amount has been paid.' },
  how: { bg: 'Как да платите', en: 'How to pay' },
  settle: {
    bg: 'Плащанията по банков път и на каса достигат до нас до {days} работни дни по-късно. Ако вече сте платили, не е нужно да правите нищо.',
    en: 'Payments by bank transfer or at a cash desk take up to {days} working days to reach us. If you have already paid, there is nothing more to do.',
  },
  help: { bg: 'Въпроси, жалба или разсрочено плащане: {phone}', en: 'Questions, a complaint or a payment plan: {phone}' },
  unknownTitle: { bg: 'Страницата не е намерена', en: 'Page not found' },
  unknownBody: {
    bg: 'Връзката е непълна или грешна. Проверете я в съобщението или се обадете на {phone}.',
    en: 'The link is incomplete or wrong. Check it in the message or call {phone}.',
  },
  limitedTitle: { bg: 'Твърде много заявки', en: 'Too many requests' },
  limitedBody: { bg: 'Опитайте отново след малко.', en: 'Please try again later.' },
};

interface Notice {
  customer_number: string;
  oldest_due_date: string;
  invoices: string[];
  total_eur_minor: number;
}

/** The notice a ref names: the first row that carries it (a fallback copies its notice's payload). */
async function noticeOf(db: Kysely<DB>, ref: string): Promise<Notice | null> {
  const r = await sql<{ payload: Record<string, unknown> }>`
    SELECT payload FROM outbox_messages WHERE payload ? 'pay_ref' AND payload->>'pay_ref' = ${ref} ORDER BY id LIMIT 1`.execute(db);
  const p = r.rows[0]?.payload;
  if (!p || typeof p.customer_number !== 'string' || typeof p.total_eur_minor !== 'number' || !Array.isArray(p.invoices)) return null;
  return { customer_number: p.customer_number, oldest_due_date: String(p.oldest_due_date), invoices: p.invoices.map(String), total_eur_minor: p.total_eur_minor };
}

/** What is still open now on the notice's invoices, euro cents. */
async function stillOpen(db: Kysely<DB>, n: Notice): Promise<number> {
  if (n.invoices.length === 0) return 0;
  const r = await sql<{ open: string | null }>`
    SELECT sum(amount_eur_minor - paid_eur_minor) FILTER (WHERE paid_eur_minor < amount_eur_minor) AS open
      FROM invoices WHERE customer_number = ${n.customer_number} AND invoice_number = ANY(${n.invoices}::text[])`.execute(db);
  return Number(r.rows[0]?.open ?? 0);
}

/** Counts one view in the address's hourly window; true while under the limit. */
async function allowed(db: Kysely<DB>, ip: string, now: Date, limit: number): Promise<{ ok: boolean; retryAfter: number }> {
  const r = await sql<{ hits: number; window_start: Date }>`
    INSERT INTO portal_counters AS c (scope, key, window_start, hits) VALUES ('ip_pay', ${ipLimitKey(ip)}, ${now}, 1)
    ON CONFLICT (scope, key) DO UPDATE SET
      hits = CASE WHEN c.window_start > ${now}::timestamptz - interval '1 hour' THEN c.hits + 1 ELSE 1 END,
      window_start = CASE WHEN c.window_start > ${now}::timestamptz - interval '1 hour' THEN c.window_start ELSE ${now} END
    RETURNING hits, window_start`.execute(db);
  const row = r.rows[0]!;
  return { ok: row.hits <= limit, retryAfter: Math.max(1, Math.ceil((row.window_start.getTime() + 3_600_000 - now.getTime()) / 1000)) };
}

function waysHtml(deps: PayPageDeps, customer: string, l: Lang): SafeHtml {
  return html`<dl class="summary" id="ways">${payWays(deps.config.payment, customer, l).map(
    (w) => html`<div><dt>${w.label}</dt><dd>${w.lines.map((line, i) => html`${i > 0 ? html`<br>` : ''}${w.url && line === w.url ? html`<a href="${w.url}" rel="noopener">${line}</a>` : line}`)}</dd></div>`,
  )}</dl>`;
}

export function payPage(app: FastifyInstance, deps: PayPageDeps): void {
  app.get<{ Params: { ref: string } }>(`${PAY_PAGE_PREFIX}:ref`, async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const l = web.lang;
    const ctx = page(web);
    reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow').header('referrer-policy', 'no-referrer');
    const phone = deps.config.brand.phone;
    const limit = await allowed(deps.db, web.ip, deps.now(), deps.config.payment.pageIpRequestsPerHour);
    if (!limit.ok) {
      reply.header('retry-after', String(limit.retryAfter));
      return sendHtml(reply, 429, layout(ctx, { title: t.limitedTitle[l], main: html`<h1>${t.limitedTitle[l]}</h1><p>${t.limitedBody[l]}</p>` }));
    }
    const notice = await noticeOf(deps.db, req.params.ref);
    if (!notice) {
      return sendHtml(reply, 404, layout(ctx, { title: t.unknownTitle[l], main: html`<h1>${t.unknownTitle[l]}</h1><p>${t.unknownBody[l].replace('{phone}', phone)}</p>` }));
    }
    const open = await stillOpen(deps.db, notice);
    const customer = maskCustomerNumber(notice.customer_number);
    const money = (minor: number) => formatMoney(minor, 'EUR', l);
    const status =
      open === 0
        ? html`<div class="panel" id="status"><h2>${t.paid[l]}</h2><p>${t.paidBody[l]}</p></div>`
        : open < notice.total_eur_minor
          ? html`<div class="inset" id="status"><p>${t.part[l]} ${t.left[l]}: <strong>${money(open)}</strong></p></div>`
          : '';
    const main = html`<h1>${t.title[l]}</h1>
${status}
<dl class="summary" id="notice">
<div><dt>${t.customer[l]}</dt><dd>${customer}</dd></div>
<div><dt>${t.notified[l]}</dt><dd>${money(notice.total_eur_minor)}</dd></div>
<div><dt>${t.due[l]}</dt><dd>${formatDateBg(notice.oldest_due_date)}</dd></div>
${open > 0 ? html`<div><dt>${t.left[l]}</dt><dd id="open">${money(open)}</dd></div>` : ''}
</dl>
${open > 0 ? html`<h2>${t.how[l]}</h2>${waysHtml(deps, customer, l)}<p>${t.settle[l].replace('{days}', String(deps.config.payment.settlementDays))}</p>` : ''}
<p>${t.help[l].replace('{phone}', phone)}</p>`;
    return sendHtml(reply, 200, layout(ctx, { title: t.title[l], main }));
  });
}

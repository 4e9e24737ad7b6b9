// Notices are enqueued set-based with body NULL and a payload; the worker renders them right before
// sending (and again for a fallback channel) with this renderer.
import type { RenderedText, Renderer } from '../delivery/outbox/message.js';
import type { ChannelType } from '../delivery/outbox/tables.js';
import { shippedTemplates, templateVars, type Template, type TemplateSource } from '../delivery/render.js';
import type { Lang } from '../delivery/text/default-templates.js';
import { formatMoney } from '../delivery/text/money.js';
import { formatDateBg, maskCustomerNumber, renderTemplate, type TemplateVars } from '../delivery/text/render.js';
import { DEMO_SITE_VARS, type SiteVars } from '../delivery/text/site-variables.js';
import { isNoticeKind } from './policy.js';

/** What a notice's payload holds (written by the run's INSERT ... SELECT). */
export interface NoticePayload {
  run_id: number;
  stage: string;
  notified_on: string;
  customer_number: string;
  customer_name: string;
  oldest_due_date: string;
  invoices: string[];
  total_eur_minor: number;
  /** The leva equivalent, shown while prices are shown in both currencies or a named invoice is in leva. */
  total_bgn_minor: number | null;
  min_eur_minor: number;
  disconnection_date: string | null;
  /** The customer's active email subscription when the notice was planned (for its unsubscribe link). */
  email_subscription_id: number | null;
}

export interface NoticeRendererOptions {
  /**
   * The one place notice texts come from: by default the shipped templates; the back office's
   * template editor passes its own source (its cache of the versions in force).
   */
  templates?: TemplateSource;
  /** Where to pay online; default: the portal's home page. */
  payUrl?: string;
  /** The unsubscribe link an email notice shows for the customer's email subscription (RFC 8058 link). */
  unsubscribeUrl?: (emailSubscriptionId: number) => string;
  /** The utility's own values (name, phone, ...); default: the demo utility's. */
  siteVars?: SiteVars;
}

function variables(p: NoticePayload, lang: Lang, payUrl: string, unsubscribeUrl: string): TemplateVars {
  return {
    customer_name: p.customer_name,
    customer_number_masked: maskCustomerNumber(p.customer_number),
    total_eur: formatMoney(p.total_eur_minor, 'EUR', lang),
    total_bgn_note: p.total_bgn_minor === null ? '' : ` (${formatMoney(p.total_bgn_minor, 'BGN', lang)})`,
    invoice_count: p.invoices.length,
    invoice_numbers: p.invoices.join(', '),
    oldest_due_date: formatDateBg(p.oldest_due_date),
    // Only the final notice's templates name it; every notice carries it for the reports.
    disconnection_date: p.disconnection_date === null ? '' : formatDateBg(p.disconnection_date),
    pay_url: payUrl,
    unsubscribe_url: unsubscribeUrl,
  };
}

/** Renders the notice kinds (overdue_reminder, overdue_second, overdue_final) for any channel. */
export function noticeRenderer(publicUrl: string, o: NoticeRendererOptions = {}): Renderer {
  const base = publicUrl.replace(/\/$/, '');
  const templates = o.templates ?? shippedTemplates;
  const payUrl = o.payUrl ?? `${base}/`;
  const site = o.siteVars ?? DEMO_SITE_VARS;
  return (kind, channel, lang, payload) => {
    if (!isNoticeKind(kind)) throw new Error(`not a notice kind: ${kind}`);
    const t = templates(kind, lang);
    if (!t) throw new Error(`no template for ${kind} (${lang})`);
    // Written by someone else with its variables ready (payload.vars or plain fields): use them as given.
    if (typeof payload.total_eur_minor !== 'number') return renderSet(t, channel, { ...site, ...templateVars(payload) });
    const p = payload as unknown as NoticePayload;
    const unsubscribe = typeof p.email_subscription_id === 'number' && o.unsubscribeUrl ? o.unsubscribeUrl(p.email_subscription_id) : `${base}/manage/unsubscribe`;
    return renderSet(t, channel, { ...site, ...variables(p, lang, payUrl, unsubscribe) });
  };
}

function renderSet({ set: t, version }: Template, channel: ChannelType, vars: TemplateVars): RenderedText {
  if (channel === 'sms') return { body: renderTemplate(t.sms, vars), templateVersion: version };
  if (channel === 'letter') return { body: renderTemplate(t.letter, vars), templateVersion: version };
  return { subject: renderTemplate(t.emailSubject, vars), body: renderTemplate(t.emailText, vars), html: renderTemplate(t.emailHtml, vars, { html: true }), templateVersion: version };
}

// Notices are enqueued set-based with body NULL and a payload; the worker renders them right before
// sending (and again for a fallback channel) with this renderer.
import type { RenderedText, Renderer } from '../delivery/outbox/message.js';
import type { ChannelType } from '../delivery/outbox/tables.js';
import { shippedTemplates, templateVars, type Template, type TemplateSource } from '../delivery/render.js';
import type { Lang } from '../delivery/text/default-templates.js';
import { formatMoney } from '../delivery/text/money.js';
import { formatDateBg, maskCustomerNumber, renderTemplate, type TemplateVars } from '../delivery/text/render.js';
import { DEMO_SITE_VARS, type SiteVars } from '../delivery/text/site-variables.js';
import { renderSms } from '../delivery/text/sms-script.js';
import { isNoticeKind } from './policy.js';
import type { PaymentSettings } from '../config.js';
import { fillPayUrlTemplate, PAY_REF, payPageUrl } from '../portal/pay/link.js';
import { payCode, payWays, payWaysText } from '../portal/pay/ways.js';

/** What a notice's payload holds (written by the run's INSERT ... SELECT). */
export interface NoticePayload {
  run_id: number;
  stage: string;
  notified_on: string;
  customer_number: string;
  customer_name: string;
  oldest_due_date: string;
  invoices: string[];
  /** Due date and open amount (euro cents) of each invoice, in the order of `invoices` (absent in notices planned before they were written). */
  invoice_due_dates?: string[];
  invoice_open_minor?: number[];
  total_eur_minor: number;
  /** The leva equivalent, shown while prices are shown in both currencies or a named invoice is in leva. */
  total_bgn_minor: number | null;
  min_eur_minor: number;
  disconnection_date: string | null;
  /** The customer's active email subscription when the notice was planned (for its unsubscribe link). */
  email_subscription_id: number | null;
  /** The random ref of the notice's payment page, /p/<ref> (absent in notices planned before it was written). */
  pay_ref?: string;
}

/** What the notices need of the payment settings (config.payment); default: the demo utility's. */
export type NoticePaymentOptions = Pick<PaymentSettings, 'customerNumber' | 'urlTemplate' | 'onlineUrl' | 'bankName' | 'bankIban' | 'bpayCode' | 'cashDesks' | 'suspensionFeeMinor' | 'restorationFeeMinor'>;

export const DEMO_PAYMENT: NoticePaymentOptions = Object.freeze({
  customerNumber: 'masked',
  urlTemplate: '',
  onlineUrl: String(DEMO_SITE_VARS.pay_online_url),
  bankName: String(DEMO_SITE_VARS.pay_bank_name),
  bankIban: String(DEMO_SITE_VARS.pay_bank_iban),
  bpayCode: String(DEMO_SITE_VARS.pay_bpay_code),
  cashDesks: String(DEMO_SITE_VARS.pay_cash_desks),
  suspensionFeeMinor: 1534,
  restorationFeeMinor: 1534,
});

export interface NoticeRendererOptions {
  /**
   * The one place notice texts come from: by default the shipped templates; the back office's
   * template editor passes its own source (its cache of the versions in force).
   */
  templates?: TemplateSource;
  /** How notices show the customer number and say how to pay; default: the demo utility's. */
  payment?: NoticePaymentOptions;
  /** The unsubscribe link an email notice shows for the customer's email subscription (RFC 8058 link). */
  unsubscribeUrl?: (emailSubscriptionId: number) => string;
  /** The utility's own values (name, phone, ...); default: the demo utility's. */
  siteVars?: SiteVars;
}

function variables(p: NoticePayload, lang: Lang, base: string, pay: NoticePaymentOptions, unsubscribeUrl: string): TemplateVars {
  const customer = pay.customerNumber === 'whole' ? p.customer_number : maskCustomerNumber(p.customer_number);
  // Without a template of the utility's own, the notice's payment page; a notice planned before refs
  // were written has none: the portal's home page.
  const payUrl =
    pay.urlTemplate !== ''
      ? fillPayUrlTemplate(pay.urlTemplate, { customerNumber: p.customer_number, amountMinor: p.total_eur_minor, invoice: p.invoices[0] ?? '' })
      : typeof p.pay_ref === 'string' && PAY_REF.test(p.pay_ref) ? payPageUrl(base, p.pay_ref) : `${base}/`;
  return {
    customer_name: p.customer_name,
    customer_number_masked: maskCustomerNumber(p.customer_number),
    customer_no: customer,
    total_eur: formatMoney(p.total_eur_minor, 'EUR', lang),
    total_bgn_note: p.total_bgn_minor === null ? '' : ` (${formatMoney(p.total_bgn_minor, 'BGN', lang)})`,
    invoice_count: p.invoices.length,
    invoice_numbers: p.invoices.join(', '),
    invoice_list: invoiceList(p, lang),
    oldest_due_date: formatDateBg(p.oldest_due_date),
    // Only the final notice's templates name it; every notice carries it for the reports.
    disconnection_date: p.disconnection_date === null ? '' : formatDateBg(p.disconnection_date),
    pay_url: payUrl,
    pay_code: payCode(pay, customer),
    // The online way is the notice's own link when the utility's template makes one.
    ways_to_pay: payWaysText(payWays(pay, customer, lang, pay.urlTemplate !== '' ? payUrl : pay.onlineUrl)),
    suspension_fee: formatMoney(pay.suspensionFeeMinor, 'EUR', lang),
    restoration_fee: formatMoney(pay.restorationFeeMinor, 'EUR', lang),
    unsubscribe_url: unsubscribeUrl,
  };
}

/** One line an invoice: number, due date and what is still open on it. */
function invoiceList(p: NoticePayload, lang: Lang): string {
  return p.invoices
    .map((n, i) => {
      const due = p.invoice_due_dates?.[i];
      const open = p.invoice_open_minor?.[i];
      if (due === undefined || typeof open !== 'number') return lang === 'bg' ? `- № ${n}` : `- No. ${n}`;
      return lang === 'bg' ? `- № ${n}, падеж ${formatDateBg(due)}, дължимо ${formatMoney(open, 'EUR', lang)}` : `- No. ${n}, due ${formatDateBg(due)}, open ${formatMoney(open, 'EUR', lang)}`;
    })
    .join('\n');
}

/** Renders the notice kinds (overdue_reminder, overdue_second, overdue_final) for any channel. */
export function noticeRenderer(publicUrl: string, o: NoticeRendererOptions = {}): Renderer {
  const base = publicUrl.replace(/\/$/, '');
  const templates = o.templates ?? shippedTemplates;
  const pay = o.payment ?? DEMO_PAYMENT;
  const site = o.siteVars ?? DEMO_SITE_VARS;
  return (kind, channel, lang, payload) => {
    if (!isNoticeKind(kind)) throw new Error(`not a notice kind: ${kind}`);
    const t = templates(kind, lang);
    if (!t) throw new Error(`no template for ${kind} (${lang})`);
    // Written by someone else with its variables ready (payload.vars or plain fields): use them as given.
    if (typeof payload.total_eur_minor !== 'number') return renderSet(t, channel, { ...site, ...templateVars(payload) });
    const p = payload as unknown as NoticePayload;
    const unsubscribe = typeof p.email_subscription_id === 'number' && o.unsubscribeUrl ? o.unsubscribeUrl(p.email_subscription_id) : `${base}/manage/unsubscribe`;
    return renderSet(t, channel, { ...site, ...variables(p, lang, base, pay, unsubscribe) });
  };
}

function renderSet({ set: t, version }: Template, channel: ChannelType, vars: TemplateVars): RenderedText {
  if (channel === 'sms') return { body: renderSms(t, vars), templateVersion: version };
  if (channel === 'viber') return { body: renderTemplate(t.viber ?? t.sms, vars), templateVersion: version };
  if (channel === 'letter') return { body: renderTemplate(t.letter, vars), templateVersion: version };
  return { subject: renderTemplate(t.emailSubject, vars), body: renderTemplate(t.emailText, vars), html: renderTemplate(t.emailHtml, vars, { html: true }), templateVersion: version };
}

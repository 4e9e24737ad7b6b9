// The lifecycle messages are written set-based with body NULL and a payload of plain facts (amounts in
// cents, ISO dates); this turns the facts into the template variables of the customer's language
// right before sending, as the notice renderer does for the overdue notices.
import { maskAddress } from '../../contacts/address.js';
import type { Renderer } from '../../delivery/outbox/message.js';
import { shippedTemplates, templateRenderer, type TemplateSource } from '../../delivery/render.js';
import type { Lang } from '../../delivery/text/default-templates.js';
import { formatMoney } from '../../delivery/text/money.js';
import { formatDateBg, maskCustomerNumber, type TemplateVars } from '../../delivery/text/render.js';
import { DEMO_SITE_VARS, type SiteVars } from '../../delivery/text/site-variables.js';
import { LIFECYCLE_KINDS, type LifecycleKind } from './kinds.js';

export function isLifecycleKind(kind: string): kind is LifecycleKind {
  return (LIFECYCLE_KINDS as readonly string[]).includes(kind);
}

export interface LifecycleRendererOptions {
  publicUrl: string;
  templates?: TemplateSource;
  unsubscribeUrl?: (emailSubscriptionId: number) => string;
  siteVars?: SiteVars;
}

const CHANNEL_NAMES = { sms: { bg: 'SMS', en: 'SMS' }, email: { bg: 'имейл', en: 'email' } } as const;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : null);

/** The template variables of a lifecycle message's payload, in the message's language. */
export function lifecycleVariables(p: Record<string, unknown>, lang: Lang, o: { base: string; unsubscribeUrl?: (id: number) => string }): TemplateVars {
  const vars: TemplateVars = {};
  const customer = str(p.customer_number);
  if (customer) vars.customer_number_masked = maskCustomerNumber(customer);
  if (p.customer_name !== undefined) vars.customer_name = str(p.customer_name);
  const amount = num(p.amount_eur_minor);
  if (amount !== null) vars.amount_eur = formatMoney(amount, 'EUR', lang);
  const bgn = num(p.amount_bgn_minor);
  vars.amount_bgn_note = bgn === null ? '' : ` (${formatMoney(bgn, 'BGN', lang)})`;
  if (p.invoice_number !== undefined) vars.invoice_number = str(p.invoice_number);
  if (typeof p.due_date === 'string') vars.due_date = formatDateBg(p.due_date);
  if (typeof p.paid_on === 'string') vars.paid_on = formatDateBg(p.paid_on);
  if (p.restore_hours !== undefined) vars.restore_hours = str(p.restore_hours);
  if (p.express_hours !== undefined) vars.express_hours = str(p.express_hours);
  const fee = num(p.express_fee_eur_minor);
  if (fee !== null) vars.express_fee_eur = formatMoney(fee, 'EUR', lang);
  if (p.channel === 'sms' || p.channel === 'email') {
    vars.channel_bg = CHANNEL_NAMES[p.channel].bg;
    vars.channel_en = CHANNEL_NAMES[p.channel].en;
  }
  if (typeof p.address === 'string') vars.address_masked = maskAddress(p.address);
  vars.pay_url = `${o.base}/`;
  vars.manage_url = `${o.base}/manage`;
  const email = num(p.email_subscription_id);
  vars.unsubscribe_url = email !== null && o.unsubscribeUrl ? o.unsubscribeUrl(email) : `${o.base}/manage/unsubscribe`;
  return vars;
}

/** Renders the lifecycle kinds for any channel with the templates in force. */
export function lifecycleRenderer(o: LifecycleRendererOptions): Renderer {
  const base = o.publicUrl.replace(/\/$/, '');
  const inner = templateRenderer(o.templates ?? shippedTemplates, o.siteVars ?? DEMO_SITE_VARS);
  return (kind, channel, lang, payload) => {
    if (!isLifecycleKind(kind)) throw new Error(`not a lifecycle kind: ${kind}`);
    return inner(kind, channel, lang, { ...lifecycleVariables(payload, lang, { base, unsubscribeUrl: o.unsubscribeUrl }) });
  };
}

import { maskAddress } from '../contacts/address.js';
import type { NewMessage } from '../delivery/outbox/enqueue.js';
import { defaultTemplates, type Lang, type MessageType } from '../delivery/text/default-templates.js';
import { renderTemplate, type TemplateVars } from '../delivery/text/render.js';
import type { SiteVars } from '../delivery/text/site-variables.js';
import { renderSms } from '../delivery/text/sms-script.js';
import { rules } from './deps.js';
import type { ContactChannel } from './flow-store.js';

// Texts are rendered here, at decision time, from the default templates, so the outbox row holds
// exactly what the customer gets (and /dev/outbox can show it). They carry the utility's brand as
// every other message does: the site variables (src/app/site-vars.ts) come with the portal's deps.

type Texts = Pick<NewMessage, 'subject' | 'body' | 'html'>;

function texts(type: MessageType, channel: ContactChannel, lang: Lang, site: SiteVars, own: TemplateVars): Texts {
  const t = defaultTemplates[type][lang];
  const vars = { ...site, ...own };
  if (channel === 'sms') return { body: renderSms(t, vars) };
  return {
    subject: renderTemplate(t.emailSubject, vars),
    body: renderTemplate(t.emailText, vars),
    html: renderTemplate(t.emailHtml, vars, { html: true }),
  };
}

/** What stays of a code message once the code is dead: the same texts with the digits blanked. */
export const SCRUBBED_CODE = '••••••';

function codeTexts(channel: ContactChannel, lang: Lang, code: string, site: SiteVars): Texts {
  return texts('verification_code', channel, lang, site, { code, minutes: rules.codeTtlMs / 60_000 });
}

/**
 * The code's message, and the same texts with the digits blanked kept in its payload until the code
 * is dead (src/portal/codes.ts swaps them in then): so the blanked texts are the ones rendered with
 * the brand of the day the code was sent, and blanking needs no settings.
 */
export function codeMessage(a: {
  codeId: number;
  code: string;
  channel: ContactChannel;
  address: string;
  lang: Lang;
  customerNumber: string;
  subscriptionId: number;
  expiresAt: Date;
  site: SiteVars;
}): NewMessage {
  const scrubbed = codeTexts(a.channel, a.lang, SCRUBBED_CODE, a.site);
  return {
    businessKey: `verification_code:${a.codeId}`,
    kind: 'verification_code',
    channel: a.channel,
    recipient: a.address,
    customerNumber: a.customerNumber,
    subscriptionId: a.subscriptionId,
    lang: a.lang,
    ...codeTexts(a.channel, a.lang, a.code, a.site),
    payload: { code_id: a.codeId, scrubbed: { body: scrubbed.body ?? null, html: scrubbed.html ?? null } },
    expiresAt: a.expiresAt,
    urgent: true,
  };
}

const CHANNEL_NAMES: Record<ContactChannel, { bg: string; en: string }> = {
  sms: { bg: 'SMS', en: 'SMS' },
  email: { bg: 'имейл', en: 'email' },
};

export type ConfirmationType = Extract<MessageType, 'subscription_confirmed' | 'subscription_changed' | 'subscription_cancelled' | 'contact_changed_notice'>;

/**
 * A confirmation to `to`, about the contact `about` (the new one for a contact_changed_notice).
 * subscriptionId only when `to` is the address of a live subscription: the worker cancels messages
 * of ended subscriptions, and a notice to a replaced or cancelled contact must still go out.
 */
export function confirmationMessage(a: {
  type: ConfirmationType;
  businessKey: string;
  to: { channel: ContactChannel; address: string };
  about: { channel: ContactChannel; address: string };
  lang: Lang;
  customerNumber: string;
  subscriptionId: number | null;
  manageUrl: string;
  site: SiteVars;
}): NewMessage {
  const vars = {
    channel_bg: CHANNEL_NAMES[a.about.channel].bg,
    channel_en: CHANNEL_NAMES[a.about.channel].en,
    address_masked: maskAddress(a.about.address),
    manage_url: a.manageUrl,
  };
  return {
    businessKey: a.businessKey,
    kind: a.type,
    channel: a.to.channel,
    recipient: a.to.address,
    customerNumber: a.customerNumber,
    subscriptionId: a.subscriptionId,
    lang: a.lang,
    ...texts(a.type, a.to.channel, a.lang, a.site, vars),
    payload: { about_channel: a.about.channel },
  };
}

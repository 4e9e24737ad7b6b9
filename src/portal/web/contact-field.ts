// The phone and email questions, shared by registration, adding and changing a contact.
import { sameContact } from '../../contacts/address.js';
import type { Lang } from '../../delivery/text/default-templates.js';
import type { SafeHtml } from '../../http/html.js';
import { parseContact } from '../contact-input.js';
import type { PortalDeps } from '../deps.js';
import type { ContactChannel } from '../flow-store.js';
import { activeContacts, contactAtCap } from '../subscriptions.js';
import { textField } from './components.js';
import { fieldErrors, refusalText } from './texts.js';

const t = {
  sms: { bg: 'Какъв е номерът на мобилния Ви телефон?', en: 'What is your mobile phone number?' },
  smsNew: { bg: 'Какъв е новият номер на мобилния Ви телефон?', en: 'What is your new mobile phone number?' },
  smsHint: {
    bg: 'Български мобилен номер, например 0888 123 456 или +359 888 123 456. Ще Ви изпратим код по SMS.',
    en: 'A Bulgarian mobile number, like 0888 123 456 or +359 888 123 456. We will text you a code.',
  },
  email: { bg: 'Какъв е имейл адресът Ви?', en: 'What is your email address?' },
  emailNew: { bg: 'Какъв е новият Ви имейл адрес?', en: 'What is your new email address?' },
  emailHint: {
    bg: 'Ще Ви изпратим код на този адрес. Използваме го само за известия по абонамента.',
    en: 'We will email you a code. We use it only for the notices you subscribe to.',
  },
};

export const contactFieldName = (channel: ContactChannel) => (channel === 'sms' ? 'phone' : 'email');

export function contactQuestion(channel: ContactChannel, lang: Lang, isNew: boolean): string {
  return channel === 'sms' ? (isNew ? t.smsNew : t.sms)[lang] : (isNew ? t.emailNew : t.email)[lang];
}

export function contactField(lang: Lang, channel: ContactChannel, o: { value: string; error?: string; isNew: boolean }): SafeHtml {
  const sms = channel === 'sms';
  return textField(lang, {
    name: contactFieldName(channel),
    question: contactQuestion(channel, lang, o.isNew),
    hint: sms ? t.smsHint[lang] : t.emailHint[lang],
    value: o.value,
    ...(o.error === undefined ? {} : { error: o.error }),
    type: sms ? 'tel' : 'email',
    autocomplete: sms ? 'tel' : 'email',
  });
}

/**
 * Checks a typed contact for this customer: its format, that it is not already their contact, that
 * it does not serve too many customer numbers. The stored form, or the error text.
 */
export async function checkContact(
  deps: PortalDeps,
  lang: Lang,
  a: { channel: ContactChannel; typed: string; customer: string },
): Promise<{ address: string } | { error: string }> {
  const address = parseContact(a.channel, a.typed);
  if (address === null) return { error: (a.channel === 'sms' ? fieldErrors.phoneFormat : fieldErrors.emailFormat)[lang] };
  const current = (await activeContacts(deps.db, a.customer)).find((c) => c.channel === a.channel);
  if (current && sameContact(current.address, address)) return { error: refusalText('same_contact', lang) };
  if (await contactAtCap(deps.db, address, a.customer, deps.config.portal.contactMaxCustomers)) return { error: refusalText('contact_cap', lang) };
  return { address };
}

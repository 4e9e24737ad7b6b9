import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { domainToASCII } from 'node:url';

export type ContactResult = { ok: true; address: string } | { ok: false; reason: string };

/**
 * A phone as customers write it (0888 123 456, +359888123456, 00359888123456) → E.164. By default
 * only mobiles of the allowed countries are accepted: an alert to a landline never arrives.
 */
export function normalisePhone(input: string, opts: { countries: readonly CountryCode[]; mobileOnly: boolean } = { countries: ['BG'], mobileOnly: true }): ContactResult {
  const raw = input.trim();
  if (!/^[+0-9][0-9 ()./-]{5,24}$/.test(raw)) return { ok: false, reason: 'not a phone number' };
  const phone = parsePhoneNumberFromString(raw, opts.countries[0] ?? 'BG');
  if (!phone || !phone.isValid()) return { ok: false, reason: 'not a valid phone number' };
  if (!phone.country || !opts.countries.includes(phone.country)) return { ok: false, reason: `not a phone number of ${opts.countries.join(', ')}` };
  const type = phone.getType();
  if (opts.mobileOnly && type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return { ok: false, reason: 'not a mobile number' };
  return { ok: true, address: phone.number };
}

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Email → the local part as typed, the domain in lower case (IDN as punycode). ASCII local parts only. */
export function normaliseEmail(input: string): ContactResult {
  const raw = input.trim();
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1 || raw.length > 254) return { ok: false, reason: 'not an email address' };
  const local = raw.slice(0, at);
  const domain = domainToASCII(raw.slice(at + 1).toLowerCase());
  if (local.length > 64 || !LOCAL.test(local)) return { ok: false, reason: 'the part before @ is not valid' };
  const labels = domain.split('.');
  if (!domain || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !/^(xn--[a-z0-9-]+|[a-z]{2,63})$/.test(labels.at(-1) ?? '')) {
    return { ok: false, reason: 'the domain is not valid' };
  }
  return { ok: true, address: `${local}@${domain}` };
}

export function maskAddress(address: string): string {
  if (address.startsWith('+')) return `${address.slice(0, 4)}*****${address.slice(-3)}`;
  const at = address.indexOf('@');
  return `${address.slice(0, Math.min(2, at))}***${address.slice(at)}`;
}

/**
 * The form every limit and cap compares: Case.Victim@example.com and case.victim@example.com reach
 * one mailbox, so they are one contact. The address itself is kept as typed. The same as SQL's
 * lower(address) for what the normalisers accept (ASCII emails, E.164 phones).
 */
export function contactKey(address: string): string {
  return address.toLowerCase();
}

export function sameContact(a: string, b: string): boolean {
  return contactKey(a) === contactKey(b);
}

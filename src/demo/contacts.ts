// Alert subscriptions carried over from the old SMS (2011) and e-mail (2014) services, written
// the way the billing system holds them: phones in three notations, some domains in capitals.
import { latinLower } from './bulgarian-names.js';
import { dayNumber } from './calendar.js';
import { PURPOSE_CONTACTS, type Identity } from './customer.js';
import { below, cumulative, hashKey, pickWeighted, unit } from './random.js';

export interface Subscription {
  channel: 'sms' | 'email';
  address: string;
  registered: number;
  consentVersion: string;
}

export const SMS_SINCE = dayNumber(2011, 3, 1);
export const EMAIL_SINCE = dayNumber(2014, 6, 1);

const MOBILE_PREFIXES = ['88', '87', '89', '98', '999'];
const MOBILE_WEIGHTS = cumulative([35, 28, 30, 5, 2]);
const DOMAINS = ['abv.bg', 'gmail.com', 'mail.bg', 'yahoo.com', 'dir.bg'];
const DOMAIN_WEIGHTS = cumulative([45, 28, 12, 8, 7]);

function digits(key: number, slot: number, count: number): string {
  return String(10 ** count + below(key, slot, 10 ** count)).slice(1);
}

function phone(key: number): string {
  const prefix = MOBILE_PREFIXES[pickWeighted(MOBILE_WEIGHTS, key, 2)]!;
  const national = prefix + digits(key, 3, 9 - prefix.length);
  const notation = unit(key, 4);
  return notation < 0.1 ? `0${national}` : notation < 0.13 ? `00359${national}` : `+359${national}`;
}

function email(key: number, who: Identity): string {
  const domainName = DOMAINS[pickWeighted(DOMAIN_WEIGHTS, key, 6)]!;
  const caps = unit(key, 7);
  const domain = caps < 0.02 ? domainName.toUpperCase() : caps < 0.04 ? domainName[0]!.toUpperCase() + domainName.slice(1) : domainName;
  const year = String(50 + below(key, 9, 56)).slice(-2);
  let local: string;
  if (who.brand !== '') {
    const brand = latinLower(who.brand);
    local = unit(key, 8) < 0.4 ? `office.${brand}` : brand;
  } else {
    const first = latinLower(who.first);
    const family = latinLower(who.family);
    const pattern = unit(key, 8);
    if (pattern < 0.35) local = `${first}.${family}`;
    else if (pattern < 0.45) local = `${first}_${family}`;
    else if (pattern < 0.55) local = `${first}${family}`;
    else if (pattern < 0.65) local = `${first[0]!}.${family}`;
    else if (pattern < 0.85) local = `${first}.${family}${year}`;
    else local = `${first}${1950 + below(key, 9, 56)}`;
  }
  return `${local}@${domain}`;
}

/** Later dates more likely: most people registered after online registration opened in 2016. */
function registeredOn(key: number, slot: number, since: number, today: number): number {
  const u = Math.max(unit(key, slot), unit(key, slot + 1));
  return since + Math.floor(u * (today - since + 1));
}

/** About 40% of customers: a phone for ~75% of them, an e-mail for ~35% (some both). */
export function customerSubscriptions(seed: number, index: number, who: Identity, today: number): Subscription[] {
  const key = hashKey(seed, index, PURPOSE_CONTACTS);
  if (unit(key, 0) >= 0.4) return [];
  const mix = unit(key, 1);
  const out: Subscription[] = [];
  if (mix < 0.75 && today >= SMS_SINCE) {
    out.push({ channel: 'sms', address: phone(key), registered: registeredOn(key, 10, SMS_SINCE, today), consentVersion: 'legacy-2011' });
  }
  if (mix >= 0.65 && today >= EMAIL_SINCE) {
    out.push({ channel: 'email', address: email(key, who), registered: registeredOn(key, 12, EMAIL_SINCE, today), consentVersion: 'legacy-2014' });
  }
  return out;
}

// The worst case of an SMS template: rendered with the longest value every placeholder can take,
// in the template's script, how many parts one message needs. Operators charge per part, so the
// template editor refuses a text whose worst case exceeds its part budget (SMS_PART_BUDGET, or a
// larger one a supervisor set for that template), and a unit test holds every shipped text to one.
import type { Lang, MessageType } from './default-templates.js';
import { formatMoney } from './money.js';
import { listPlaceholders, renderTemplate } from './render.js';
import { countSms, type SmsEncoding } from './segments.js';
import { smsForScript, type SmsScript } from './sms-script.js';
import type { SiteVars } from './site-variables.js';

/** The largest total a notice shows: 99 999,99 EUR. */
export const MAX_TOTAL_EUR_MINOR = 9_999_999;
// Its leva equivalent (1 EUR = 1.95583 BGN), shown beside it while both currencies are shown.
const MAX_TOTAL_BGN_MINOR = Math.round((MAX_TOTAL_EUR_MINOR * 195_583) / 100_000);

/** Longest value of a placeholder we know nothing about (a variable added without a worst case). */
const UNKNOWN_LENGTH = 40;

const url = (length: number) => `https://${'w'.repeat(length - 'https://'.length - '/p/Ab3dE9xQ2k'.length)}/p/Ab3dE9xQ2k`;

/**
 * The longest value of every placeholder an SMS may use, in the language's formats. Bounds that are
 * not hard limits are stated: links are short links of at most 40 characters, a masked email
 * address is taken at 40 characters.
 */
function longestValues(lang: Lang): Record<string, string> {
  return {
    // Site variables (the settings bound them: BRAND_SHORT_NAME ≤ 20, BRAND_PHONE ≤ 40; the names
    // are Latin by the setting's advice, Cyrillic ones would be transliterated longer).
    utility_short: 'W'.repeat(20),
    utility_name: 'W'.repeat(120),
    utility_phone: '0'.repeat(40),
    utility_website: url(40),
    // A 16-digit customer number, whole or masked.
    customer_number_masked: `${'*'.repeat(12)}9999`,
    customer_no: '9'.repeat(16),
    customer_name: 'W'.repeat(100),
    total_eur: formatMoney(MAX_TOTAL_EUR_MINOR, 'EUR', lang),
    total_bgn_note: ` (${formatMoney(MAX_TOTAL_BGN_MINOR, 'BGN', lang)})`,
    amount_eur: formatMoney(MAX_TOTAL_EUR_MINOR, 'EUR', lang),
    amount_bgn_note: ` (${formatMoney(MAX_TOTAL_BGN_MINOR, 'BGN', lang)})`,
    invoice_count: '99',
    // The portal accepts invoice numbers of up to 30 characters.
    invoice_number: 'W'.repeat(30),
    invoice_numbers: Array.from({ length: 10 }, () => '9'.repeat(10)).join(', '),
    // Any date is dd.mm.yyyy.
    oldest_due_date: '28.12.2026',
    due_date: '28.12.2026',
    disconnection_date: '28.12.2026',
    paid_on: '28.12.2026',
    restored_on: '28.12.2026',
    pay_url: url(40),
    pay_code: '9'.repeat(20),
    // The policy bounds both to 240 hours; a reconnection fee is taken at 999,99 EUR.
    restore_hours: '240',
    express_hours: '240',
    express_fee_eur: formatMoney(99_999, 'EUR', lang),
    unsubscribe_url: url(80),
    manage_url: url(40),
    code: '999999',
    minutes: '999',
    channel_bg: 'имейл',
    channel_en: 'email',
    address_masked: `ww***@${'w'.repeat(30)}.bg`,
  };
}

export interface WorstCaseOptions {
  /** Default: Latin (transliterated to GSM-7). */
  script?: SmsScript;
  /** The utility's real site values, which are known exactly (the editor passes them); default: their longest. */
  siteVars?: Partial<SiteVars>;
  /** The installation's own longest links (PUBLIC_URL, PAY_URL_TEMPLATE), when known; default: 40 characters. */
  links?: { pay_url?: string; manage_url?: string };
}

export interface WorstCase {
  /** The text as it would go out with the longest values. */
  text: string;
  encoding: SmsEncoding;
  units: number;
  parts: number;
  /** Placeholders with no known longest value (taken at 40 characters): add them to longestValues. */
  unknown: string[];
}

/** The SMS template `smsText` of `kind` in `lang`, rendered with the longest values, as it would be sent. */
export function worstCaseSms(_kind: MessageType, lang: Lang, smsText: string, o: WorstCaseOptions = {}): WorstCase {
  const longest: Record<string, string> = { ...longestValues(lang), ...stringValues(o.siteVars ?? {}), ...stringValues(o.links ?? {}) };
  const unknown: string[] = [];
  const vars: Record<string, string> = {};
  for (const name of listPlaceholders(smsText)) {
    if (Object.hasOwn(longest, name)) vars[name] = longest[name] as string;
    else {
      unknown.push(name);
      vars[name] = 'W'.repeat(UNKNOWN_LENGTH);
    }
  }
  const text = smsForScript(renderTemplate(smsText, vars), o.script);
  const c = countSms(text);
  return { text, encoding: c.encoding, units: c.units, parts: c.segments, unknown };
}

export function worstCaseParts(kind: MessageType, lang: Lang, smsText: string, o: WorstCaseOptions = {}): number {
  return worstCaseSms(kind, lang, smsText, o).parts;
}

function stringValues(vars: Partial<SiteVars>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  return out;
}

/** Parts one SMS notice may take when neither the setting nor the template says otherwise. */
export const DEFAULT_SMS_PART_BUDGET = 1;
/** The most a supervisor may allow one template (a Cyrillic notice takes 3). */
export const MAX_SMS_PART_BUDGET = 10;

/**
 * What `extraParts` more parts per notice cost a month, in cents: SMS_PRICE_PER_SEGMENT × the notices
 * of the template over the last 30 days × the extra parts (negative: a saving).
 */
export function monthlyCostDifferenceMinor(pricePerPartMinor: number, noticesLast30Days: number, extraParts: number): number {
  return pricePerPartMinor * noticesLast30Days * extraParts;
}

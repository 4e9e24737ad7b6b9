import type { Config } from '../config.js';
import type { SiteVars } from '../delivery/text/site-variables.js';
import { LOGO_PATH } from '../brand/routes.js';
import { formatMoney } from '../delivery/text/money.js';

/** The template variables every message may use, from the utility's settings. */
export function siteVars(config: Config): SiteVars {
  const b = config.brand;
  const p = config.payment;
  return Object.freeze({
    utility_name: b.name,
    utility_short: b.shortName,
    utility_phone: b.phone,
    utility_website: b.website,
    brand_colour: b.colour,
    brand_text_colour: b.textColour,
    // The etag makes the address change with the file, so mail programs show the new logo.
    logo_url: `${config.http.publicUrl}${LOGO_PATH}?v=${b.logo.etag.slice(1, 9)}`,
    pay_online_url: p.onlineUrl,
    pay_bank_name: p.bankName,
    pay_bank_iban: p.bankIban,
    pay_bpay_code: p.bpayCode,
    pay_cash_desks: p.cashDesks,
    pay_settlement_days: p.settlementDays,
    // Notices re-format these in their own language (src/dunning/render.ts); other kinds show Bulgarian.
    suspension_fee: formatMoney(p.suspensionFeeMinor, 'EUR', 'bg'),
    restoration_fee: formatMoney(p.restorationFeeMinor, 'EUR', 'bg'),
    complaints_url: p.complaintsUrl,
    support_url: p.supportUrl,
  });
}

import type { TemplateVars } from './render.js';

/**
 * Template variables that come from the utility's settings, not from the message: every template of
 * every type and channel may use them. The composition root fills them from the config
 * (src/app/site-vars.ts); renderers without a config (unit tests, benchmarks) use the demo values.
 */
export const SITE_VARIABLES = ['utility_name', 'utility_short', 'utility_phone', 'utility_website', 'brand_colour', 'brand_text_colour', 'logo_url',
  // How to pay and what a notice must tell (Energy Act art. 38б, 38з; Directive 2019/944 art. 10, 28a).
  // An empty value means the utility does not offer that way; the notice texts leave it out.
  'pay_online_url', 'pay_bank_name', 'pay_bank_iban', 'pay_bpay_code', 'pay_cash_desks', 'pay_settlement_days',
  'suspension_fee', 'restoration_fee', 'complaints_url', 'support_url'] as const;

export type SiteVariable = (typeof SITE_VARIABLES)[number];
export type SiteVars = Readonly<Record<SiteVariable, string | number>> & Readonly<TemplateVars>;

/** The fictional demo utility (never a real company's name). */
export const DEMO_SITE_VARS: SiteVars = Object.freeze({
  utility_name: 'Пример Енерджи АД',
  utility_short: 'PRIMER',
  utility_phone: '0700 10 010',
  utility_website: 'https://primer-energy.example.bg',
  brand_colour: '#0b5cad',
  brand_text_colour: '#ffffff',
  logo_url: 'http://localhost:3000/brand/logo',
  pay_online_url: 'https://primer-energy.example.bg/plashtane',
  pay_bank_name: 'Примерна банка АД',
  pay_bank_iban: 'BG80 BNBG 9661 1020 3456 78',
  pay_bpay_code: '71234',
  pay_cash_desks: 'Easypay, Fastpay',
  pay_settlement_days: 2,
  suspension_fee: '15,34 EUR',
  restoration_fee: '15,34 EUR',
  complaints_url: 'https://primer-energy.example.bg/zhalbi',
  support_url: 'https://primer-energy.example.bg/podkrepa',
});

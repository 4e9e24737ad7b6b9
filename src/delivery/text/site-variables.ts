import type { TemplateVars } from './render.js';

/**
 * Template variables that come from the utility's settings, not from the message: every template of
 * every type and channel may use them. The composition root fills them from the config
 * (src/app/site-vars.ts); renderers without a config (unit tests, benchmarks) use the demo values.
 */
export const SITE_VARIABLES = ['utility_name', 'utility_short', 'utility_phone', 'utility_website'] as const;

export type SiteVariable = (typeof SITE_VARIABLES)[number];
export type SiteVars = Readonly<Record<SiteVariable, string | number>> & Readonly<TemplateVars>;

/** The fictional demo utility (never a real company's name). */
export const DEMO_SITE_VARS: SiteVars = Object.freeze({
  utility_name: 'Пример Енерджи АД',
  utility_short: 'PRIMER',
  utility_phone: '0700 10 010',
  utility_website: 'https://primer-energy.example.bg',
});

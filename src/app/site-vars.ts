import type { Config } from '../config.js';
import type { SiteVars } from '../delivery/text/site-variables.js';

/** The template variables every message may use, from the utility's settings. */
export function siteVars(config: Config): SiteVars {
  const b = config.brand;
  return Object.freeze({
    utility_name: b.name,
    utility_short: b.shortName,
    utility_phone: b.phone,
    utility_website: b.website,
  });
}

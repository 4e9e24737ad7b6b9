import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import type { SiteVars } from '../delivery/text/site-variables.js';
import type { Logger } from '../log.js';

/** The rules the issue fixes; the operator's limits come from Config['portal']. */
export const rules = {
  codeDigits: 6,
  codeTtlMs: 10 * 60_000,
  codeTries: 5,
  codesPerContactPerDay: 3,
  customerFailures: 5,
  customerWindowMs: 15 * 60_000,
  lockBaseMs: 15 * 60_000,
  lockMaxMs: 24 * 3_600_000,
  ipWindowMs: 3_600_000,
  /** A flow (web session or app token) lives this long after its last step. */
  flowTtlMs: 30 * 60_000,
} as const;

export interface PortalDeps {
  db: Kysely<DB>;
  config: Pick<Config, 'http' | 'sandbox' | 'portal' | 'payment' | 'brand'>;
  logger: Logger;
  /** The utility's template variables (the root's, from BRAND_* and the payment settings): the portal's own messages carry the brand. */
  siteVars: SiteVars;
  /** The clock of every rule (code expiry, locks, windows); tests move it. */
  now: () => Date;
}

import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import type { Logger } from '../log.js';

export interface BackofficeDeps {
  db: Kysely<DB>;
  /** For set-based statements through the pool (reports, dry runs). */
  database: Database;
  config: Config;
  logger: Logger;
  /** The clock of sessions, lockouts and TOTP; tests move it. */
  now: () => Date;
}

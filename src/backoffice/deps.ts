import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import type { Logger } from '../log.js';
import type { Root } from '../app/root.js';

export interface BackofficeDeps {
  db: Kysely<DB>;
  /** The composition root: the renderer and templates in force (template editor, test sends). */
  root: Root;
  /** For set-based statements through the pool (reports, dry runs). */
  database: Database;
  config: Config;
  logger: Logger;
  /** The clock of sessions, lockouts and TOTP; tests move it. */
  now: () => Date;
}

import type { Database } from '../db/open.js';
import { openDatabase } from '../db/open.js';
import { migrate } from '../db/migrate.js';
import { waitForDatabase } from '../db/wait.js';
import type { CommandContext } from './command.js';

/**
 * Waits for the configured database (up to DATABASE_WAIT_SECONDS), opens it, brings its schema up
 * to date, runs fn, and closes it.
 */
export async function withDatabase<T>(ctx: CommandContext, fn: (database: Database) => Promise<T>): Promise<T> {
  await waitForDatabase(ctx.config.database, ctx.config.databaseWaitSeconds, ctx.logger);
  const database = await openDatabase(ctx.config.database, ctx.logger);
  try {
    await migrate(database, ctx.logger);
    return await fn(database);
  } finally {
    await database.close();
  }
}

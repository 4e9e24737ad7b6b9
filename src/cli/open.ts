import type { Database } from '../db/open.js';
import { openDatabase } from '../db/open.js';
import { migrate } from '../db/migrate.js';
import type { CommandContext } from './command.js';

/** Opens the configured database, brings its schema up to date, runs fn, and closes it. */
export async function withDatabase<T>(ctx: CommandContext, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(ctx.config.database, ctx.logger);
  try {
    await migrate(database, ctx.logger);
    return await fn(database);
  } finally {
    await database.close();
  }
}

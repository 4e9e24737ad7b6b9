import type { Command } from '../command.js';
import { withDatabase } from '../open.js';

export const migrateCommand: Command = {
  summary: 'Create or update the database schema',
  usage: 'izvestie migrate',
  async run(_args, ctx) {
    await withDatabase(ctx, async () => undefined);
    return 0;
  },
};

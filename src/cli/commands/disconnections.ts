import { writeFile } from 'node:fs/promises';
import { isLocalDate, sofiaDate } from '../../dunning/calendar/index.js';
import { exportDisconnections } from '../../dunning/disconnections.js';
import { parse, UsageError, type Command } from '../command.js';
import { withDatabase } from '../open.js';

const usage = 'izvestie disconnections [--date YYYY-MM-DD] [--out FILE]';

export const disconnectionsCommand: Command = {
  summary: 'The disconnection list of a day (default today) as CSV for field crews, to stdout or a file',
  usage,
  quietLogs: true,
  async run(args, ctx) {
    const { values } = parse(args, { date: { type: 'string' }, out: { type: 'string' } }, usage);
    const date = values.date ?? sofiaDate(new Date());
    if (!isLocalDate(date)) throw new UsageError(`--date must be a date YYYY-MM-DD\nusage: ${usage}`);
    const { csv, count } = await withDatabase(ctx, (database) => exportDisconnections(database.db, date, 'cli'));
    if (values.out) {
      await writeFile(values.out, csv);
      process.stdout.write(`${values.out}: ${count} customer(s) on the disconnection list of ${date}\n`);
    } else {
      process.stdout.write(csv);
    }
    return 0;
  },
};

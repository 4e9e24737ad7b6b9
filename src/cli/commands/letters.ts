import { isLocalDate } from '../../dunning/calendar/index.js';
import { assemble } from '../../app/root.js';
import { letterBrand } from '../../brand/page.js';
import { exportLetters, type ExportResult } from '../../delivery/letters/export.js';
import { parse, UsageError, type Command } from '../command.js';
import { withDatabase } from '../open.js';

const usage = 'izvestie letters export --date YYYY-MM-DD [--out DIR]';

export function formatExport(r: ExportResult): string {
  const skipped = [
    r.cancelled ? `${r.cancelled} cancelled (no longer wanted)` : '',
    r.expired ? `${r.expired} expired` : '',
    r.failed ? `${r.failed} failed (see the messages' last error)` : '',
  ].filter(Boolean);
  const tail = skipped.length ? `\n${r.date}: ${skipped.join(', ')}\n` : '\n';
  if (r.batch === null) return `${r.date}: no letters to export; no file written${tail}`;
  return `${r.date}: batch ${r.batch.id}, ${r.letters} letters, ${r.pages} pages\n  ${r.batch.pdfFile}\n  ${r.batch.manifestFile}${tail}`;
}

export const lettersCommand: Command = {
  summary: "Export a day's letters as one PDF and a print-house manifest (they are sent once exported)",
  usage,
  quietLogs: true,
  async run(args, ctx) {
    const { values, positionals } = parse(args, { date: { type: 'string' }, out: { type: 'string' } }, usage);
    if (positionals.length !== 1 || positionals[0] !== 'export') throw new UsageError(`usage: ${usage}`);
    if (values.date === undefined || !isLocalDate(values.date)) throw new UsageError(`--date must be a date YYYY-MM-DD\nusage: ${usage}`);
    const date = values.date;
    const result = await withDatabase(ctx, async (database) => {
      const root = await assemble(ctx.config, ctx.logger, database);
      return exportLetters(database.db, { date, outDir: values.out ?? 'letters', sender: ctx.config.letters.sender, brand: letterBrand(ctx.config.brand), failure: root.failure, guards: root.guards, createdBy: 'cli' });
    });
    process.stdout.write(formatExport(result));
    return 0;
  },
};

import { createReadStream, createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { importCsv, type ImportReport } from '../../billing/import.js';
import { importKindNames, type ImportKindName } from '../../billing/import-kind.js';
import { importKinds } from '../../billing/kinds/index.js';
import { csvRow } from '../../csv-safe.js';
import { parse, UsageError, type Command } from '../command.js';
import { withDatabase } from '../open.js';

const usage = 'izvestie import customers|invoices|payments|subscriptions FILE... [--skip-invalid] [--rejects FILE]';

export function formatReport(file: string, r: ImportReport): string {
  const lines = [
    `${file}: ${r.rows} rows, ${r.inserted} inserted, ${r.updated} updated, ${r.unchanged} unchanged` +
      (r.skipped ? `, ${r.skipped} skipped` : '') +
      (r.rejected ? `, ${r.rejected} rejected` : '') +
      (r.committed ? ' — committed' : ' — NOT imported (nothing of this file was committed)'),
  ];
  for (const e of r.errors) lines.push(`${file}:${e.line}: ${e.field || '(row)'}: ${e.reason}`);
  if (r.errorsTruncated) lines.push(`${file}: … ${r.rejected - r.errors.length} more bad lines not listed`);
  return lines.join('\n') + '\n';
}

export const importCommand: Command = {
  summary: 'Import billing CSV files (each file is all-or-nothing)',
  usage,
  quietLogs: true,
  async run(args, ctx) {
    const { values, positionals } = parse(args, { 'skip-invalid': { type: 'boolean' }, rejects: { type: 'string' } }, usage);
    const [kindName, ...files] = positionals;
    if (!kindName || !importKindNames.includes(kindName as ImportKindName) || files.length === 0) throw new UsageError(`usage: ${usage}`);
    const kind = importKinds[kindName as ImportKindName];
    let failed = false;
    await withDatabase(ctx, async (database) => {
      for (const file of files) {
        const rejectsPath = values['skip-invalid'] ? (values.rejects ?? `${file}.rejected.csv`) : undefined;
        const rejects = rejectsPath ? createWriteStream(rejectsPath) : undefined;
        rejects?.write('\uFEFF' + csvRow(['line', 'field', 'reason', ...kind.columns.map((c) => c.name)]) + '\r\n');
        const report = await importCsv(database, kind, createReadStream(file), {
          source: basename(file),
          actor: 'cli',
          skipInvalid: values['skip-invalid'] === true,
          maxReportedErrors: ctx.config.import.maxReportedErrors,
          onReject: (p, v) => rejects?.write(csvRow([p.line, p.field, p.reason, ...kind.columns.map((c) => v[c.name] ?? '')]) + '\r\n'),
        });
        if (rejects) await new Promise((r) => rejects.end(r));
        process.stdout.write(formatReport(file, report));
        if (rejectsPath && report.rejected > 0) process.stdout.write(`${file}: rejected lines written to ${rejectsPath}\n`);
        if (!report.committed) failed = true;
      }
    });
    return failed ? 1 : 0;
  },
};

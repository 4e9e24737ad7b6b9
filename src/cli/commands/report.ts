import { sofiaDate } from '../../dunning/calendar/index.js';
import { effectivenessReport, type EffectivenessReport, type EffectivenessRow } from '../../dunning/effectiveness.js';
import { AppError } from '../../errors.js';
import { parse, UsageError, type Command } from '../command.js';
import { withDatabase } from '../open.js';

const usage = 'izvestie report [--month YYYY-MM] [--days N] [--json]';

const pct = (n: number, of: number) => (of === 0 ? '—' : `${((100 * n) / of).toFixed(1)}%`);

function rows(list: EffectivenessRow[], indent: string): string[] {
  if (list.length === 0) return [`${indent}(no notices sent)`];
  return list.map(
    (r) =>
      `${indent}${r.stage.padEnd(12)} ${r.channel.padEnd(7)} ${String(r.notified).padStart(8)}  ` +
      `${String(r.paidWithinDays).padStart(8)} ${pct(r.paidWithinDays, r.notified).padStart(7)}  ` +
      `${String(r.paidBeforeDisconnection).padStart(8)} ${pct(r.paidBeforeDisconnection, r.notified).padStart(7)}`,
  );
}

export function formatEffectiveness(r: EffectivenessReport): string {
  const header = `stage        channel notified  paid within ${r.days} d    paid before disconnection`;
  const lines = [`Effectiveness of notices, ${r.month}`, '', header, ...rows(r.totals, ''), '', `Reached the disconnection list: ${r.newlyListed} customer(s)`, '', 'Per run:'];
  for (const run of r.runs) {
    lines.push(`  run ${run.runId} on ${run.runDate} (${run.trigger}): ${run.noticesCreated} notice(s) created, disconnection list ${run.disconnectionListed} (${run.newlyListed} new)`);
    lines.push(...rows(run.rows, '    '));
  }
  if (r.runs.length === 0) lines.push('  (no runs this month)');
  return lines.join('\n') + '\n';
}

export const reportCommand: Command = {
  summary: 'Effectiveness of notices for a month: who paid within N days and before the disconnection date',
  usage,
  quietLogs: true,
  async run(args, ctx) {
    const { values } = parse(args, { month: { type: 'string' }, days: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const month = values.month ?? sofiaDate(new Date()).slice(0, 7);
    const days = values.days === undefined ? 7 : Number(values.days);
    let report: EffectivenessReport;
    try {
      report = await withDatabase(ctx, (database) => effectivenessReport(database.db, month, days));
    } catch (e) {
      if (e instanceof AppError && e.code === 'VALIDATION_FAILED') throw new UsageError(`${e.message}\nusage: ${usage}`);
      throw e;
    }
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatEffectiveness(report));
    return 0;
  },
};

import { isLocalDate, sofiaDate } from '../../dunning/calendar/index.js';
import { noticeRenderer } from '../../dunning/render.js';
import { runDunning, type RunReport } from '../../dunning/run.js';
import { parse, UsageError, type Command } from '../command.js';
import { withDatabase } from '../open.js';

const usage = 'izvestie run [--date YYYY-MM-DD] [--dry-run]';

const eur = (minor: number) => (minor / 100).toFixed(2);

export function formatRunReport(r: RunReport): string {
  const head = r.dryRun
    ? `Dunning run for ${r.date} (policy version ${r.policyVersion}) — DRY RUN: nothing was written or sent`
    : `Dunning run ${r.runId} for ${r.date} (policy version ${r.policyVersion})`;
  const lines = [head, '', 'stage           customers  not covered  below min  held  no contact  channel  planned  new'];
  for (const s of r.stages) {
    const left = `${s.stage.padEnd(15)} ${String(s.customers).padStart(9)}  ${String(s.notCovered).padStart(11)}  ${String(s.belowMinimum).padStart(9)}  ${String(s.held).padStart(4)}`;
    if (s.template === null) {
      lines.push(`${left}  ${''.padStart(10)}  listed   ${String(s.listed).padStart(7)}  ${String(s.newlyListed).padStart(3)}`);
      continue;
    }
    s.channels.forEach((c, i) => {
      const start = i === 0 ? `${left}  ${String(s.noContact).padStart(10)}` : ' '.repeat(left.length + 12);
      lines.push(`${start}  ${c.channel.padEnd(7)}  ${String(c.planned).padStart(7)}  ${String(c.created).padStart(3)}`);
    });
  }
  lines.push(
    '',
    `${r.dryRun ? 'Would create' : 'Created'} ${r.noticesCreated} notice(s); SMS about ${r.smsSegments} part(s), about ${eur(r.smsCostMinor)} EUR.`,
    `Disconnection list: ${r.disconnectionCount} customer(s).`,
  );
  return lines.join('\n') + '\n';
}

export const runCommand: Command = {
  summary: 'Run dunning for a day (default today): plan and enqueue the notices; --dry-run only shows them',
  usage,
  quietLogs: true,
  async run(args, ctx) {
    const { values } = parse(args, { date: { type: 'string' }, 'dry-run': { type: 'boolean' } }, usage);
    const date = values.date ?? sofiaDate(new Date());
    if (!isLocalDate(date)) throw new UsageError(`--date must be a date YYYY-MM-DD\nusage: ${usage}`);
    const report = await withDatabase(ctx, (database) =>
      runDunning(database.db, {
        date,
        dryRun: values['dry-run'] === true,
        trigger: 'cli',
        actor: 'cli',
        render: noticeRenderer(ctx.config.http.publicUrl),
        smsPricePerSegmentMinor: ctx.config.delivery.smsPricePerSegmentMinor,
      }),
    );
    process.stdout.write(formatRunReport(report));
    return 0;
  },
};

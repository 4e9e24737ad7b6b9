import { loadDemo } from '../../demo/load.js';
import { writeDemoCsv } from '../../demo/write.js';
import { sampleLogins } from '../../demo/try-these.js';
import { isLocalDate, sofiaDate } from '../../dunning/calendar/index.js';
import { parse, UsageError, type Command } from '../command.js';
import { withDatabase } from '../open.js';
import { formatReport } from './import.js';

const usage = 'izvestie demo-data --customers N [--seed S] [--today YYYY-MM-DD] (--out DIR | --load)';

export const demoDataCommand: Command = {
  summary: 'Make a realistic synthetic utility: write its CSV files or load them',
  usage,
  quietLogs: true,
  async run(args, ctx) {
    const { values } = parse(
      args,
      { customers: { type: 'string' }, seed: { type: 'string' }, today: { type: 'string' }, out: { type: 'string' }, load: { type: 'boolean' } },
      usage,
    );
    const customers = Number(values.customers);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    const today = values.today ?? sofiaDate(new Date());
    if (!Number.isInteger(customers) || customers < 1 || customers > 5_000_000) throw new UsageError(`--customers must be a whole number from 1 to 5000000\nusage: ${usage}`);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number\nusage: ${usage}`);
    if (!isLocalDate(today)) throw new UsageError(`--today must be a date YYYY-MM-DD\nusage: ${usage}`);
    if (Boolean(values.out) === Boolean(values.load)) throw new UsageError(`give exactly one of --out DIR or --load\nusage: ${usage}`);
    const opts = { customers, seed, today };
    if (values.out) {
      const r = await writeDemoCsv(values.out, opts);
      for (const [kind, file] of Object.entries(r.files)) process.stdout.write(`${file}: ${r.counts[kind as keyof typeof r.counts]} rows\n`);
    } else {
      await withDatabase(ctx, async (database) => {
        const reports = await loadDemo(database, opts, ctx.config.import.maxReportedErrors);
        for (const [kind, report] of Object.entries(reports)) process.stdout.write(formatReport(`demo ${kind}`, report));
      });
    }
    process.stdout.write('Try the portal with:\n');
    for (const s of sampleLogins(opts, 3)) process.stdout.write(`  customer number ${s.customerNumber}, invoice number ${s.invoiceNumber}${s.overdue ? ' (overdue)' : ''}\n`);
    return 0;
  },
};

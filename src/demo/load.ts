import type { Root } from '../app/root.js';
import type { Database } from '../db/open.js';
import { importCsv, type ImportReport } from '../billing/import.js';
import { importKinds } from '../billing/kinds/index.js';
import type { ImportKindName } from '../billing/import-kind.js';
import { sofiaDate } from '../dunning/calendar/index.js';
import { generateDemo, type DemoOptions } from './generate.js';
import { sampleLogins } from './try-these.js';
import { seedDemoHistory } from '../dunning/demo-history.js';
import { createDemoStaff } from './staff.js';

const order: ImportKindName[] = ['customers', 'invoices', 'payments', 'subscriptions'];

/** Loads generated demo data through the real import path, file by file. */
export async function loadDemo(database: Database, opts: DemoOptions, maxReportedErrors: number): Promise<Record<ImportKindName, ImportReport>> {
  const streams = generateDemo(opts);
  const reports = {} as Record<ImportKindName, ImportReport>;
  for (const kind of order) {
    const report = await importCsv(database, importKinds[kind], streams[kind], {
      source: `demo-${kind}.csv`,
      actor: 'demo',
      skipInvalid: false,
      maxReportedErrors,
    });
    if (!report.committed) {
      throw new Error(`demo ${kind} did not import: ${report.errors.slice(0, 3).map((e) => `line ${e.line} ${e.field}: ${e.reason}`).join('; ')}`);
    }
    reports[kind] = report;
  }
  return reports;
}

/** First start of the embedded default: a realistic utility to look at, in seconds. */
export async function loadDemoIfEmpty(root: Pick<Root, 'database' | 'config' | 'logger' | 'render'>): Promise<void> {
  const { database, config, logger } = root;
  const wanted = config.demo.mode === 'on' || (config.demo.mode === 'auto' && database.kind === 'pglite');
  if (!wanted) return;
  const any = await database.db.selectFrom('customers').select('customer_number').limit(1).executeTakeFirst();
  if (any) return;
  const opts: DemoOptions = { customers: config.demo.customers, seed: 1, today: sofiaDate(new Date()) };
  const started = Date.now();
  logger.info({ customers: opts.customers }, 'empty database: loading demo data');
  const reports = await loadDemo(database, opts, config.import.maxReportedErrors);
  // Past daily runs over the demo data, so the effectiveness report has history to show.
  const history = await seedDemoHistory(database.db, { today: opts.today, render: root.render, smsPricePerSegmentMinor: config.delivery.smsPricePerSegmentMinor });
  logger.info({ runs: history.runs, notices: history.notices }, 'demo history of daily runs replayed');
  logger.info(
    { ms: Date.now() - started, ...Object.fromEntries(Object.entries(reports).map(([k, r]) => [k, r.inserted])) },
    'demo data loaded',
  );
  for (const s of sampleLogins(opts, 3)) {
    logger.info(`demo customer to try: customer number ${s.customerNumber}, invoice number ${s.invoiceNumber}${s.overdue ? ' (overdue)' : ''}`);
  }
  for (const a of await createDemoStaff(database.db)) {
    // Shown once, like `izvestie user add --generate`: only the scrypt hash is stored.
    logger.info(`back office demo account (${a.role}): username ${a.username}, password ${a.password}`);
  }
}

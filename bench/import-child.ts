// One import in its own process, so its peak RSS is its own: prints {rows, ms, maxRssMB} as JSON.
import { createReadStream } from 'node:fs';
import { openDatabase } from '../src/db/open.js';
import { migrate } from '../src/db/migrate.js';
import { importCsv } from '../src/billing/import.js';
import { importKinds } from '../src/billing/kinds/index.js';
import { silentLogger } from '../src/log.js';
import type { ImportKindName } from '../src/billing/import-kind.js';

const [kind, file, target] = process.argv.slice(2) as [ImportKindName, string, string];
const database = await openDatabase(target.startsWith('postgres') ? { kind: 'postgres', url: target, poolSize: 2 } : { kind: 'pglite', dataDir: target }, silentLogger);
await migrate(database, silentLogger);
const started = performance.now();
const r = await importCsv(database, importKinds[kind], createReadStream(file, { highWaterMark: 1 << 20 }), {
  source: file,
  actor: 'bench',
  skipInvalid: false,
  maxReportedErrors: 10,
});
const ms = performance.now() - started;
await database.close();
if (!r.committed) throw new Error(`import failed: ${JSON.stringify(r.errors)}`);
process.stdout.write(JSON.stringify({ rows: r.rows, ms, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');

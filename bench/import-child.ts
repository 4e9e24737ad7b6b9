// One import in its own process, so its peak RSS is its own: prints {rows, ms, maxRssMB, phases} as JSON.
// bench/import.ts bundles it with esbuild and runs it under plain node.
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
const phases: Record<string, number> = {};
const started = performance.now();
const r = await importCsv(database, importKinds[kind], createReadStream(file, { highWaterMark: 1 << 20 }), {
  source: file,
  actor: 'bench',
  skipInvalid: false,
  maxReportedErrors: 10,
  onPhase: (p, ms) => (phases[p] = Math.round(ms)),
});
const ms = performance.now() - started;
await database.close();
if (!r.committed) throw new Error(`import failed: ${JSON.stringify(r.errors)}`);
process.stdout.write(JSON.stringify({ rows: r.rows, inserted: r.inserted, ms, maxRssMB: process.resourceUsage().maxRSS / 1024, phases }) + '\n', () => {
  // Something keeps a closed PostgreSQL database's process alive for about 30 s (a pool timer): not
  // part of the import, so the child does not wait for it.
  process.exit(0);
});

// One migrated embedded database, archived, that every PGlite test database starts from: a fresh
// PGlite runs initdb in WebAssembly (5-20 s on the shared 2-core CI machine) and then all the
// migrations, where loading the archive takes a fraction of that. The archive is exactly what a
// fresh PGlite holds after `migrate`; it is keyed by the migrations' text and the PGlite version, and
// kept in the temporary directory, so a changed migration builds a new one.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
import type { Database } from '../../src/db/open.js';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/log.js';

// The package does not export its package.json: read it beside the entry point.
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function snapshotPath(): string {
  const h = createHash('sha256').update(`pglite ${pgliteVersion()}\n`);
  for (const m of listMigrations()) h.update(`${m.version}\n${m.sql}\n`);
  return join(tmpdir(), `izvestie-test-pglite-${h.digest('hex').slice(0, 16)}.tar.gz`);
}

async function build(): Promise<Blob> {
  const lite = new PGlite('memory://');
  await lite.waitReady;
  const pool = new pg.Pool({ ...(createPgConfig(lite) as unknown as pg.PoolConfig), idleTimeoutMillis: 0, allowExitOnIdle: true });
  try {
    // migrate takes only the pool: the same statements `openDatabase` + `migrate` run.
    await migrate({ pool } as Database, silentLogger);
    return await lite.dumpDataDir('gzip');
  } finally {
    await pool.end();
    await lite.close();
  }
}

async function load(): Promise<Blob> {
  const path = snapshotPath();
  try {
    return new Blob([readFileSync(path)]);
  } catch {
    // Not built yet (or unreadable): build it; two processes starting at once may both build it,
    // and the rename makes whichever writes last whole.
  }
  const blob = await build();
  const part = `${path}.${process.pid}.part`;
  try {
    writeFileSync(part, Buffer.from(await blob.arrayBuffer()));
    renameSync(part, path);
  } catch {
    rmSync(part, { force: true });
  }
  return blob;
}

let snapshot: Promise<Blob> | undefined;

/** The migrated snapshot (built once per machine and migrations, then read from disk). */
export function pgliteSnapshot(): Promise<Blob> {
  snapshot ??= load();
  return snapshot;
}

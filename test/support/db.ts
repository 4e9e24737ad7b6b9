import { after, before, describe } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/open.js';
import { migrate } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/log.js';
import { pgliteSnapshot } from './pglite-snapshot.js';

// Every database test runs on both backends: embedded PGlite (in memory) and the real PostgreSQL
// given by TEST_DATABASE_URL, each test file in its own schema so files run in parallel.
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<string | null> {
  const c = new pg.Client({ connectionString: testDatabaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const pgProblem = await postgresReachable();
if (pgProblem && process.env.CI === 'true') {
  throw new Error(`PostgreSQL at ${testDatabaseUrl} is required under CI: ${pgProblem}`);
}

export interface TestBackend {
  name: 'pglite' | 'postgres';
  skip: string | false;
  open(): Promise<Database & { url?: string }>;
}

export async function openTestPostgres(): Promise<Database & { url: string; dropSchema(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = `${testDatabaseUrl}${testDatabaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 5 }, silentLogger);
  await migrate(database, silentLogger);
  const close = database.close.bind(database);
  return Object.assign(database, {
    url,
    async dropSchema() {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
    async close() {
      await close();
      await this.dropSchema();
    },
  });
}

/** An in-memory PGlite, started from the migrated snapshot (migrate finds nothing left to apply). */
export async function openTestPglite(): Promise<Database> {
  // IZVESTIE_TEST_PGLITE_SNAPSHOT=off: initdb and every migration afresh, as before the snapshot.
  const snapshot = process.env.IZVESTIE_TEST_PGLITE_SNAPSHOT === 'off' ? undefined : await pgliteSnapshot();
  const database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, silentLogger, snapshot ? { pgliteSnapshot: snapshot } : {});
  await migrate(database, silentLogger);
  return database;
}

export const backends: TestBackend[] = [
  { name: 'pglite', skip: false, open: openTestPglite },
  { name: 'postgres', skip: pgProblem ? `PostgreSQL unreachable: ${pgProblem}` : false, open: openTestPostgres },
];

/** Declares the same suite once per backend; `get()` returns that backend's migrated database. */
export function describeEachBackend(title: string, fn: (get: () => Database, backend: TestBackend['name']) => void): void {
  for (const b of backends) {
    describe(`${title} [${b.name}]`, { skip: b.skip }, () => {
      let database: Database | undefined;
      before(async () => {
        database = await b.open();
      });
      after(async () => {
        await database?.close();
      });
      fn(() => {
        if (!database) throw new Error('database not open yet');
        return database;
      }, b.name);
    });
  }
}

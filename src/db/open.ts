import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { DatabaseConfig } from '../config.js';
import type { Logger } from '../log.js';
import { lockDataDir } from './data-dir-lock.js';
import { setPgTypeParsers } from './pg-types.js';
import type { DB } from './schema.js';

export type Client = pg.PoolClient;

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Kysely<DB>;
  pool: pg.Pool;
  /**
   * Bulk-loads CSV text into a table on the given client (inside its transaction). PostgreSQL
   * streams it through COPY FROM STDIN; PGlite cannot take COPY through its pg adapter, so it gets
   * the text in bounded blobs through its own /dev/blob COPY, on the same single session.
   */
  copyCsv(client: Client, table: string, columns: readonly string[], chunks: AsyncIterable<string>): Promise<void>;
  close(): Promise<void>;
}

const PGLITE_BLOB_BYTES = 4 * 1024 * 1024;

/**
 * `pgliteSnapshot`: a `dumpDataDir()` archive an in-memory PGlite starts from instead of running
 * initdb (seconds each time); the tests start every embedded database from one migrated snapshot.
 */
export async function openDatabase(config: DatabaseConfig, logger: Logger, options: { pgliteSnapshot?: Blob } = {}): Promise<Database> {
  setPgTypeParsers();
  if (config.kind === 'postgres') return openPostgres(config.url, config.poolSize, logger);
  return openPglite(config.dataDir, logger, options.pgliteSnapshot);
}

function copySql(table: string, columns: readonly string[], from: string): string {
  return `COPY ${table} (${columns.join(', ')}) FROM ${from} WITH (FORMAT csv)`;
}

function openPostgres(url: string, poolSize: number, logger: Logger): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
  // A pooled client emits 'error' when the server goes away (a restart, a failover); unhandled, it
  // would crash the process. The pool listens only while a client is idle (and then drops it), so
  // each client also gets a listener of its own for while it is in use: the query running on it
  // fails with the same error, and the pool drops the client when it is released.
  // The message only: the pool hangs the whole client on the error.
  pool.on('error', (err) => logger.warn({ error: err.message }, 'idle PostgreSQL connection lost'));
  pool.on('connect', (client) => client.on('error', (err) => logger.debug({ error: err.message }, 'PostgreSQL connection lost while in use')));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    pool,
    async copyCsv(client, table, columns, chunks) {
      const stream = client.query(copyStreams.from(copySql(table, columns, 'STDIN')));
      await pipeline(Readable.from(chunks, { objectMode: false }), stream);
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openPglite(dataDir: string, logger: Logger, snapshot: Blob | undefined): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const unlock = inMemory ? () => undefined : lockDataDir(dataDir);
  let lite: PGlite;
  try {
    lite = new PGlite(dataDir, inMemory && snapshot ? { loadDataDir: snapshot } : {});
    await lite.waitReady;
  } catch (e) {
    unlock();
    throw e;
  }
  logger.debug({ dataDir }, 'embedded PGlite ready');
  // One in-process "connection": never let it idle out, or a closed pool keeps a 10 s timer alive.
  const pool = new pg.Pool({ ...(createPgConfig(lite) as unknown as pg.PoolConfig), idleTimeoutMillis: 0, allowExitOnIdle: true });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const flush = async (table: string, columns: readonly string[], text: string) => {
    await lite.query(copySql(table, columns, `'/dev/blob'`), [], { blob: new Blob([text]) });
  };
  return {
    kind: 'pglite',
    db,
    pool,
    async copyCsv(_client, table, columns, chunks) {
      let buf: string[] = [];
      let size = 0;
      for await (const chunk of chunks) {
        buf.push(chunk);
        size += chunk.length;
        if (size >= PGLITE_BLOB_BYTES) {
          await flush(table, columns, buf.join(''));
          buf = [];
          size = 0;
        }
      }
      if (size > 0) await flush(table, columns, buf.join(''));
    },
    async close() {
      await db.destroy();
      await lite.close();
      unlock();
    },
  };
}

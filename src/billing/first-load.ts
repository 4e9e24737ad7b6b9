import type { Client } from '../db/open.js';

// The first load of a keyed table (customers, invoices) into an empty table. Nothing can conflict
// there, so the upsert's ON CONFLICT ... IS DISTINCT FROM machinery is not needed, and a big file is
// cheaper with the table's secondary indexes and its own foreign keys built once at the end than
// maintained row by row. All of it happens inside the import's transaction: a failure or a rollback
// leaves the table, its indexes and its constraints exactly as they were.

/** From this many staged rows on, a first load drops and re-creates the secondary indexes and foreign keys. */
export const FIRST_LOAD_REBUILD_MIN_ROWS = 100_000;

/**
 * Whether `table` is empty. When it is, it is locked against other writers (readers still read) until
 * the transaction ends, so it stays empty until our insert: no concurrent import can add a key.
 */
export async function emptyAndLocked(client: Client, table: 'customers' | 'invoices'): Promise<boolean> {
  const empty = async () => (await client.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS empty`)).rows[0]?.empty === true;
  if (!(await empty())) return false;
  await client.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`);
  return empty();
}

/**
 * Runs `insert` (an INSERT into the empty, locked `table`) and returns its row count. When `rows` is at
 * least `rebuildMinRows`, the table's non-unique secondary indexes and its own foreign keys are
 * dropped first and re-created afterwards from their catalog definitions (one sorted build per index,
 * one anti-join per foreign key); the primary key, unique indexes and CHECKs stay in place.
 * Re-creating takes the table's exclusive lock until commit: readers wait during a big first load.
 */
export async function insertIntoEmpty(client: Client, table: 'customers' | 'invoices', insert: string, rows: number, rebuildMinRows: number): Promise<number> {
  if (rows < rebuildMinRows) return (await client.query(insert)).rowCount ?? 0;
  const indexes = await client.query<{ name: string; def: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND NOT i.indisprimary
      ORDER BY c.relname`,
    [table],
  );
  const foreignKeys = await client.query<{ name: string; def: string }>(
    `SELECT format('%I', conname) AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`,
    [table],
  );
  for (const fk of foreignKeys.rows) await client.query(`ALTER TABLE ${table} DROP CONSTRAINT ${fk.name}`);
  for (const ix of indexes.rows) await client.query(`DROP INDEX ${ix.name}`);
  const inserted = (await client.query(insert)).rowCount ?? 0;
  for (const ix of indexes.rows) await client.query(ix.def);
  for (const fk of foreignKeys.rows) await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${fk.name} ${fk.def}`);
  return inserted;
}

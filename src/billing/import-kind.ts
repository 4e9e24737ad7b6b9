import type { Client } from '../db/open.js';

export type ImportKindName = 'customers' | 'invoices' | 'payments' | 'subscriptions';
export const importKindNames: readonly ImportKindName[] = ['customers', 'invoices', 'payments', 'subscriptions'];

export interface ApplyCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

/**
 * One kind of billing file. Rows are checked in two steps: `parse` checks each row alone (syntax,
 * types, ranges) and `checks` are set-based SQL over the whole staged file (duplicates, unknown
 * references): each is a SELECT of `line`, `problem_field` and `problem` for the offending staging
 * rows. A line found by several checks is reported once, with the first check in this order.
 */
export interface ImportKind {
  name: ImportKindName;
  columns: ReadonlyArray<{ name: string; required: boolean }>;
  /** Staging columns after `line`, in COPY order, with their SQL types. */
  staging: ReadonlyArray<readonly [name: string, type: string]>;
  /** Values for the staging columns (null → SQL NULL), or throws FieldError via the field helpers. */
  parse(values: Record<string, string>, field: <T>(name: string, f: (v: string | undefined) => T) => T): Array<string | number | null>;
  checks: readonly string[];
  /**
   * A kind whose apply loads an empty table with a plain INSERT (first-load.ts): the table, and the
   * position in `checks` of the in-file duplicate-key check, which the table's primary key makes
   * redundant there. That check then runs only to explain a failed insert (import.ts).
   */
  firstLoad?: { table: 'customers' | 'invoices'; duplicateCheck: number };
  apply(client: Client, now: Date, context: ApplyContext): Promise<ApplyCounts>;
}

export interface ApplyContext {
  /** The kind's `firstLoad` table was empty at the start and is locked until commit, so it still is. */
  empty: boolean;
  /** Rows left in the staging table (the good ones). */
  staged: number;
  /** A first load into an empty table of at least this many rows rebuilds its secondary indexes (first-load.ts). */
  rebuildMinRows: number;
}

export async function countRows(client: Client, sql: string, params: unknown[] = []): Promise<number> {
  const r = await client.query<{ n: number }>(sql, params);
  return Number(r.rows[0]?.n ?? 0);
}

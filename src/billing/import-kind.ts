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
 * references), each marking offending staging rows with `problem_field` and `problem`.
 */
export interface ImportKind {
  name: ImportKindName;
  columns: ReadonlyArray<{ name: string; required: boolean }>;
  /** Staging columns after `line`, in COPY order, with their SQL types. */
  staging: ReadonlyArray<readonly [name: string, type: string]>;
  /** Values for the staging columns (null → SQL NULL), or throws FieldError via the field helpers. */
  parse(values: Record<string, string>, field: <T>(name: string, f: (v: string | undefined) => T) => T): Array<string | number | null>;
  checks: readonly string[];
  apply(client: Client, now: Date): Promise<ApplyCounts>;
}

export async function countRows(client: Client, sql: string, params: unknown[] = []): Promise<number> {
  const r = await client.query<{ n: number }>(sql, params);
  return Number(r.rows[0]?.n ?? 0);
}

import type { Readable } from 'node:stream';
import type { Client, Database } from '../db/open.js';
import { FieldError } from './fields.js';
import { openCsv, type RecordProblem, type SourceRecord } from './csv-reader.js';
import type { ApplyCounts, ImportKind } from './import-kind.js';

export interface ImportOptions {
  /** File name or request id, for the report and the audit trail. */
  source: string;
  actor: string;
  skipInvalid: boolean;
  maxReportedErrors: number;
  /** Receives every rejected line (with --skip-invalid): line, field, reason and the values read. */
  onReject?: (p: RecordProblem, values: Record<string, string | null>) => void;
  now?: Date;
}

export interface ImportReport extends ApplyCounts {
  kind: string;
  source: string;
  rows: number;
  rejected: number;
  committed: boolean;
  errors: RecordProblem[];
  errorsTruncated: boolean;
}

/** COPY's CSV: an unquoted empty field is NULL, so every non-null value is quoted when it could be empty. */
function copyField(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return `"${v.replace(/"/g, '""')}"`;
}

class Problems {
  readonly list: RecordProblem[] = [];
  count = 0;
  constructor(
    private readonly max: number,
    private readonly onReject?: ImportOptions['onReject'],
  ) {}
  add(p: RecordProblem, values: Record<string, string | null>): void {
    this.count++;
    if (this.list.length < this.max) this.list.push(p);
    this.onReject?.(p, values);
  }
}

export async function importCsv(database: Database, kind: ImportKind, input: Readable | AsyncIterable<Buffer | string>, opts: ImportOptions): Promise<ImportReport> {
  const problems = new Problems(opts.maxReportedErrors, opts.onReject);
  const csv = await openCsv(input, (p) => problems.add(p, {}));
  return importRecords(database, kind, csv.header, csv.records, problems, opts);
}

/** JSON arrays take the CSV column names as keys; an item's position (1-based) stands for its line. */
export async function importJson(database: Database, kind: ImportKind, items: unknown[], opts: ImportOptions): Promise<ImportReport> {
  const problems = new Problems(opts.maxReportedErrors, opts.onReject);
  const header = [...new Set(items.flatMap((it) => (it && typeof it === 'object' ? Object.keys(it) : [])))];
  async function* records(): AsyncGenerator<SourceRecord> {
    for (const [i, it] of items.entries()) {
      if (!it || typeof it !== 'object' || Array.isArray(it)) {
        problems.add({ line: i + 1, field: '', reason: 'item is not an object' }, {});
        continue;
      }
      const values: Record<string, string> = {};
      for (const [k, v] of Object.entries(it)) values[k] = v === null || v === undefined ? '' : String(v);
      yield { line: i + 1, values };
    }
  }
  return importRecords(database, kind, header.length ? header : kind.columns.map((c) => c.name), records(), problems, opts);
}

function headerProblems(kind: ImportKind, header: string[]): RecordProblem[] {
  const known = new Set(kind.columns.map((c) => c.name));
  const out: RecordProblem[] = [];
  for (const c of kind.columns) if (c.required && !header.includes(c.name)) out.push({ line: 1, field: c.name, reason: 'required column is missing' });
  for (const h of header) if (!known.has(h)) out.push({ line: 1, field: h, reason: `unknown column; expected ${kind.columns.map((c) => c.name).join(', ')}` });
  return out;
}

async function importRecords(
  database: Database,
  kind: ImportKind,
  header: string[],
  records: AsyncIterable<SourceRecord>,
  problems: Problems,
  opts: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = {
    kind: kind.name,
    source: opts.source,
    rows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    rejected: 0,
    committed: false,
    errors: problems.list,
    errorsTruncated: false,
  };
  const finish = () => {
    report.errors.sort((a, b) => a.line - b.line);
    report.rejected = problems.count;
    report.errorsTruncated = problems.count > problems.list.length;
    return report;
  };
  const bad = headerProblems(kind, header);
  if (bad.length > 0) {
    for (const p of bad) problems.add(p, {});
    // Drain so that an HTTP upload is read to its end before we answer.
    for await (const _ of records) void _;
    return finish();
  }

  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    const stagingCols = kind.staging.map(([n]) => n);
    await client.query(
      `CREATE TEMP TABLE stage (line integer NOT NULL, ${kind.staging.map(([n, t]) => `${n} ${t}`).join(', ')},
        problem_field text, problem text) ON COMMIT DROP`,
    );
    async function* chunks(): AsyncGenerator<string> {
      let buf: string[] = [];
      for await (const rec of records) {
        report.rows++;
        let current = '';
        try {
          const values = kind.parse(rec.values, (name, f) => {
            current = name;
            return f(rec.values[name]);
          });
          buf.push(`${rec.line},${values.map(copyField).join(',')}\n`);
        } catch (e) {
          if (!(e instanceof FieldError)) throw e;
          problems.add({ line: rec.line, field: current, reason: e.message }, rec.values);
        }
        if (buf.length >= 2000) {
          yield buf.join('');
          buf = [];
        }
      }
      if (buf.length) yield buf.join('');
    }
    await database.copyCsv(client, 'stage', ['line', ...stagingCols], chunks());
    // Fresh statistics: without them the planner takes the staging table for empty and nests loops.
    await client.query('ANALYZE stage');
    // The set-based checks run even after row errors, so that one report lists every bad line.
    for (const check of kind.checks) await client.query(check);
    await collectStagedProblems(client, stagingCols, problems);
    if (problems.count > 0 && !opts.skipInvalid) {
      await client.query('ROLLBACK');
      return finish();
    }
    await client.query('DELETE FROM stage WHERE problem IS NOT NULL');
    Object.assign(report, await kind.apply(client, opts.now ?? new Date()));
    await client.query(
      `INSERT INTO audit_events (actor, action, subject, details) VALUES ($1, $2, $3, $4)`,
      [opts.actor, `import.${kind.name}`, `file:${opts.source}`, JSON.stringify({ ...finish(), errors: undefined })],
    );
    await client.query('COMMIT');
    report.committed = true;
    return finish();
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

async function collectStagedProblems(client: Client, cols: string[], problems: Problems): Promise<void> {
  const r = await client.query<Record<string, string | null> & { line: number; problem_field: string; problem: string }>(
    `SELECT line, problem_field, problem, ${cols.map((c) => `${c}::text`).join(', ')} FROM stage WHERE problem IS NOT NULL ORDER BY line`,
  );
  for (const row of r.rows) {
    const { line, problem_field, problem, ...values } = row;
    problems.add({ line, field: problem_field, reason: problem }, values);
  }
}

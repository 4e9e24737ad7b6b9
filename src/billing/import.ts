import type { Readable } from 'node:stream';
import type { Client, Database } from '../db/open.js';
import { FieldError } from './fields.js';
import { openCsv, type RecordProblem, type SourceRecord } from './csv-reader.js';
import type { ApplyCounts, ImportKind } from './import-kind.js';
import { emptyAndLocked, FIRST_LOAD_REBUILD_MIN_ROWS } from './first-load.js';

export interface ImportOptions {
  /** File name or request id, for the report and the audit trail. */
  source: string;
  actor: string;
  skipInvalid: boolean;
  maxReportedErrors: number;
  /** Receives every rejected line (with --skip-invalid): line, field, reason and the values read. */
  onReject?: (p: RecordProblem, values: Record<string, string | null>) => void;
  now?: Date;
  /** Receives the time of each phase (read and stage, check, apply, commit), for benchmarks. */
  onPhase?: (phase: 'stage' | 'check' | 'apply' | 'commit', ms: number) => void;
  /** See FIRST_LOAD_REBUILD_MIN_ROWS; tests lower it to cover that path with small files. */
  firstLoadRebuildMinRows?: number;
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

/**
 * A value as a field of COPY's CSV (comma-delimited). An unquoted empty field is NULL there, so the
 * empty string is quoted, as is any value holding a quote, a comma or a line break; every other
 * character, spaces and backslashes included, is taken literally in CSV mode. A row always starts with
 * its line number, so no row can be the end-of-data marker.
 */
const NEEDS_QUOTES = /[",\n\r]/;
function copyField(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  if (v === '') return '""';
  if (!NEEDS_QUOTES.test(v)) return v;
  return `"${v.replace(/"/g, '""')}"`;
}

/** JSON items are staged in groups of this size. */
const JSON_BATCH = 2000;

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
  return importRecords(database, kind, csv.header, csv.batches, problems, opts);
}

/** JSON arrays take the CSV column names as keys; an item's position (1-based) stands for its line. */
export async function importJson(database: Database, kind: ImportKind, items: unknown[], opts: ImportOptions): Promise<ImportReport> {
  const problems = new Problems(opts.maxReportedErrors, opts.onReject);
  const header = [...new Set(items.flatMap((it) => (it && typeof it === 'object' ? Object.keys(it) : [])))];
  async function* records(): AsyncGenerator<SourceRecord[]> {
    let batch: SourceRecord[] = [];
    for (const [i, it] of items.entries()) {
      if (!it || typeof it !== 'object' || Array.isArray(it)) {
        problems.add({ line: i + 1, field: '', reason: 'item is not an object' }, {});
        continue;
      }
      const values: Record<string, string> = {};
      for (const [k, v] of Object.entries(it)) values[k] = v === null || v === undefined ? '' : String(v);
      batch.push({ line: i + 1, values });
      if (batch.length >= JSON_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
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
  records: AsyncIterable<SourceRecord[]>,
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

  let phaseStart = performance.now();
  const phase = (name: 'stage' | 'check' | 'apply' | 'commit') => {
    const now = performance.now();
    opts.onPhase?.(name, now - phaseStart);
    phaseStart = now;
  };
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    // Room for the hash joins and aggregates of the checks over a big file, and for the index builds of
    // a first load (this transaction only; PGlite keeps its defaults, its memory is the process's own).
    if (database.kind === 'postgres') await client.query(`SET LOCAL work_mem = '128MB'; SET LOCAL maintenance_work_mem = '256MB'`);
    const stagingCols = kind.staging.map(([n]) => n);
    await client.query(`CREATE TEMP TABLE stage (line integer NOT NULL, ${kind.staging.map(([n, t]) => `${n} ${t}`).join(', ')}) ON COMMIT DROP`);
    let current = '';
    let staged = 0;
    let values: Record<string, string | undefined> = {};
    const field = <T>(name: string, f: (v: string | undefined) => T): T => {
      current = name;
      return f(values[name]);
    };
    // One flat string per batch of records: the row strings die young, which keeps the garbage
    // collector cheap; the COPY stream's backpressure bounds what is in flight.
    async function* chunks(): AsyncGenerator<string> {
      for await (const batch of records) {
        const rows: string[] = [];
        for (const rec of batch) {
          report.rows++;
          values = rec.values;
          try {
            const parsed = kind.parse(rec.values, field);
            for (let i = 0; i < parsed.length; i++) parsed[i] = copyField(parsed[i] as string | number | null);
            rows.push(rec.line + ',' + parsed.join(','));
            staged++;
          } catch (e) {
            if (!(e instanceof FieldError)) throw e;
            problems.add({ line: rec.line, field: current, reason: e.message }, rec.values);
          }
        }
        if (rows.length) yield rows.join('\n') + '\n';
      }
    }
    await database.copyCsv(client, 'stage', ['line', ...stagingCols], chunks());
    // Fresh statistics: without them the planner takes the staging table for empty and nests loops.
    await client.query('ANALYZE stage');
    phase('stage');
    // The set-based checks run even after row errors, so that one report lists every bad line.
    // A first load into an empty table (locked from here on, so it stays empty) needs no in-file
    // duplicate check when all else is clean: the primary key refuses a duplicate on insert, and only
    // then does the full check run, to report every bad line as usual.
    const firstLoad = kind.firstLoad;
    const empty = firstLoad !== undefined && (await emptyAndLocked(client, firstLoad.table));
    const keyCheckDeferred = empty && !opts.skipInvalid && problems.count === 0;
    let bad: number[] = [];
    if (!keyCheckDeferred || (await anyStagedProblem(client, kind.checks.filter((_, i) => i !== firstLoad?.duplicateCheck)))) {
      bad = await stagedProblems(client, kind, stagingCols, problems);
    }
    phase('check');
    if (problems.count > 0 && !opts.skipInvalid) {
      await client.query('ROLLBACK');
      return finish();
    }
    if (bad.length > 0) await client.query('DELETE FROM stage WHERE line = ANY($1::integer[])', [bad]);
    const context = { empty, staged: staged - bad.length, rebuildMinRows: opts.firstLoadRebuildMinRows ?? FIRST_LOAD_REBUILD_MIN_ROWS };
    if (keyCheckDeferred) await client.query('SAVEPOINT first_load');
    try {
      Object.assign(report, await kind.apply(client, opts.now ?? new Date(), context));
    } catch (e) {
      if (!keyCheckDeferred || (e as { code?: string }).code !== '23505') throw e;
      // A key twice in the file: undo the insert and report every bad line.
      await client.query('ROLLBACK TO SAVEPOINT first_load');
      await stagedProblems(client, kind, stagingCols, problems);
      if (problems.count === 0) throw e;
      await client.query('ROLLBACK');
      return finish();
    }
    await client.query(
      `INSERT INTO audit_events (actor, action, subject, details) VALUES ($1, $2, $3, $4)`,
      [opts.actor, `import.${kind.name}`, `file:${opts.source}`, JSON.stringify({ ...finish(), errors: undefined })],
    );
    phase('apply');
    await client.query('COMMIT');
    phase('commit');
    report.committed = true;
    return finish();
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** Whether any of these checks finds a staged row (stops at the first). */
async function anyStagedProblem(client: Client, checks: readonly string[]): Promise<boolean> {
  if (checks.length === 0) return false;
  const r = await client.query<{ found: boolean }>(`SELECT ${checks.map((c) => `EXISTS (${c})`).join(' OR ')} AS found`);
  return r.rows[0]?.found === true;
}

/**
 * Runs the kind's checks as one read-only query (the staging table is never rewritten): each bad line
 * once, with the first check that finds it. Reports them with their staged values; returns their lines.
 */
async function stagedProblems(client: Client, kind: ImportKind, cols: string[], problems: Problems): Promise<number[]> {
  if (kind.checks.length === 0) return [];
  const found = await client.query<{ line: number; problem_field: string; problem: string }>(
    `SELECT DISTINCT ON (line) line, problem_field, problem
       FROM (${kind.checks.map((c, i) => `SELECT ${i} AS check_order, c.line, c.problem_field, c.problem FROM (${c}) c`).join('\n UNION ALL ')}) p
      ORDER BY line, check_order`,
  );
  if (found.rows.length === 0) return [];
  const lines = found.rows.map((r) => r.line);
  const staged = await client.query<Record<string, string | null> & { line: number }>(
    `SELECT line, ${cols.map((c) => `${c}::text`).join(', ')} FROM stage WHERE line = ANY($1::integer[])`,
    [lines],
  );
  const byLine = new Map(staged.rows.map(({ line, ...values }) => [line, values]));
  for (const r of found.rows) problems.add({ line: r.line, field: r.problem_field, reason: r.problem }, byLine.get(r.line) ?? {});
  return lines;
}

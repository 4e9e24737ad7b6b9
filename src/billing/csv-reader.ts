import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';

export interface SourceRecord {
  /** 1-based line where the record starts (for JSON input: the item's position). */
  line: number;
  values: Record<string, string>;
}

export interface RecordProblem {
  line: number;
  field: string;
  reason: string;
}

export interface CsvSource {
  header: string[];
  /** The records in the groups the reader found them in (one await per group, not per record). */
  batches: AsyncIterable<SourceRecord[]>;
}

export interface CsvReaderOptions {
  /**
   * `fast` (default): the hand-written scanner for well-formed records, handing the rest of the file
   * to csv-parse at the first record it does not read exactly like csv-parse. `csv-parse`: csv-parse
   * from the start (the reference the scanner is tested against).
   */
  scanner?: 'fast' | 'csv-parse';
}

/** Counts ',' and ';' outside quotes in the header line; the billing system uses either. */
export function detectDelimiter(headerLine: string): ',' | ';' {
  let comma = 0;
  let semi = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') comma++;
    else if (!quoted && ch === ';') semi++;
  }
  return semi > comma ? ';' : ',';
}

/**
 * CRLF and lone CR become LF before parsing, so that csv-parse's line count (which counts a quoted
 * CRLF twice) matches what an editor shows. A CR at a chunk's end waits for the next chunk.
 */
async function* normaliseNewlines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let pendingCr = false;
  for await (const chunk of input) {
    let s = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (pendingCr) s = '\r' + s;
    pendingCr = s.endsWith('\r');
    if (pendingCr) s = s.slice(0, -1);
    yield s.indexOf('\r') === -1 ? s : s.replace(/\r\n?/g, '\n');
  }
  const tail = decoder.decode() + (pendingCr ? '\n' : '');
  if (tail) yield tail.replace(/\r\n?/g, '\n');
}

function normaliseHeaderName(h: string): string {
  return h.replace(/^\uFEFF/, '').trim().toLowerCase();
}

/** A record as read: its fields and the line it starts on. */
interface RawRecord {
  line: number;
  fields: string[];
}

const LF = 10;
const QUOTE = 34;
/** An unfinished record longer than this goes to csv-parse rather than being rescanned per chunk. */
const MAX_PENDING_RECORD = 1 << 20;
/** Records per batch: small enough that a batch dies young (cheap for the garbage collector). */
const BATCH = 512;

/**
 * The scanner for the common case. It reads a record only when it is sure csv-parse (with the options
 * of `csvParseRecords`) would read it the same: fields either unquoted without any quote, or quoted
 * from their first to their last character with doubled quotes inside, each followed by the
 * delimiter, a line end or the end of the input; empty lines are skipped. Anything else makes
 * `scan` stop before that record and answer 'unusual', and the caller hands the rest to csv-parse.
 */
class Scanner {
  private buf = '';
  private pos = 0;
  /** The line `buf[pos]` is on. */
  line = 1;
  constructor(private readonly delimiter: number) {}

  push(text: string): void {
    this.buf = this.pos === 0 ? this.buf + text : this.buf.slice(this.pos) + text;
    this.pos = 0;
  }

  /** What has not been read into records yet. */
  rest(): string {
    return this.buf.slice(this.pos);
  }

  /** Reads up to BATCH records into `out`: 'full' when there may be more in the buffer. */
  scan(out: RawRecord[], eof: boolean): 'more' | 'full' | 'unusual' {
    const s = this.buf;
    const n = s.length;
    const D = this.delimiter;
    let p = this.pos;
    let line = this.line;
    let verdict: 'more' | 'full' | 'unusual' = 'more';
    records: while (p < n) {
      if (out.length >= BATCH) {
        verdict = 'full';
        break;
      }
      if (s.charCodeAt(p) === LF) {
        p++;
        line++;
        continue;
      }
      const fields: string[] = [];
      let q = p;
      let inner = 0; // line breaks inside quoted fields
      let end: number; // index of the record's LF, or n at the end of the input
      for (;;) {
        if (q < n && s.charCodeAt(q) === QUOTE) {
          let j = q + 1;
          let doubled = false;
          for (;;) {
            j = s.indexOf('"', j);
            if (j === -1) {
              if (eof) verdict = 'unusual';
              break records;
            }
            if (j + 1 >= n) {
              if (eof) break;
              break records;
            }
            if (s.charCodeAt(j + 1) !== QUOTE) break;
            doubled = true;
            j += 2;
          }
          let v = s.slice(q + 1, j);
          for (let k = v.indexOf('\n'); k !== -1; k = v.indexOf('\n', k + 1)) inner++;
          if (doubled) v = v.replaceAll('""', '"');
          fields.push(v);
          const after = j + 1;
          if (after >= n) {
            end = n;
            break;
          }
          const a = s.charCodeAt(after);
          if (a === D) {
            q = after + 1;
            continue;
          }
          if (a === LF) {
            end = after;
            break;
          }
          verdict = 'unusual';
          break records;
        }
        let j = q;
        while (j < n) {
          const c = s.charCodeAt(j);
          // A quote inside an unquoted field is an ordinary character (csv-parse's relax_quotes).
          if (c === D || c === LF) break;
          j++;
        }
        if (j >= n && !eof) break records;
        fields.push(s.slice(q, j));
        if (j < n && s.charCodeAt(j) === D) {
          q = j + 1;
          continue;
        }
        end = j;
        break;
      }
      out.push({ line, fields });
      line += inner;
      if (end < n) {
        p = end + 1;
        line++;
      } else p = n;
    }
    this.pos = p;
    this.line = line;
    if (verdict === 'more' && !eof && n - p > MAX_PENDING_RECORD) return 'unusual';
    return verdict;
  }
}

/** csv-parse over `first` and then the rest of `text`; lines are counted from `firstLine`. */
async function* csvParseRecords(
  first: string,
  text: AsyncIterator<string>,
  delimiter: ',' | ';',
  firstLine: number,
  onProblem: (p: RecordProblem) => void,
): AsyncGenerator<RawRecord[]> {
  const offset = firstLine - 1;
  const parser = parse({
    delimiter,
    // Only at the start of the file: the scanner has already dropped it when it hands over.
    bom: firstLine === 1 && first === '',
    info: true,
    relax_column_count: true,
    // Billing exports write addresses like  бул. "Добруджа" 41  without quoting the field.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      onProblem({ line: offset + Number(err?.lines ?? 0), field: '', reason: `CSV syntax: ${err?.message.split(':')[0] ?? 'unreadable record'}` });
      return undefined;
    },
  });
  const feed = (async () => {
    try {
      if (first && !parser.write(first)) await new Promise((r) => parser.once('drain', r));
      for (let r = await text.next(); !r.done; r = await text.next()) {
        if (!parser.write(r.value)) await new Promise((res) => parser.once('drain', res));
      }
      parser.end();
    } catch (e) {
      parser.destroy(e as Error);
    }
  })();
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    // csv-parse reports the line a record ends on; line breaks inside quoted fields tell where it began.
    let line = info.lines;
    for (const field of record) for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) line--;
    yield [{ line: offset + line, fields: record }];
  }
  await feed;
}

/** Records of the whole text: the scanner while it can, csv-parse from the first unusual record on. */
async function* rawRecords(text: AsyncIterator<string>, delimiter: ',' | ';', onProblem: (p: RecordProblem) => void, options: CsvReaderOptions): AsyncGenerator<RawRecord[]> {
  if (options.scanner === 'csv-parse') {
    yield* csvParseRecords('', text, delimiter, 1, onProblem);
    return;
  }
  const scanner = new Scanner(delimiter.charCodeAt(0));
  let started = false;
  for (;;) {
    const r = await text.next();
    if (!r.done) {
      // A BOM is dropped as csv-parse's `bom` option does.
      scanner.push(started || r.value.charCodeAt(0) !== 0xfeff ? r.value : r.value.slice(1));
      if (r.value) started = true;
    }
    let verdict: 'more' | 'full' | 'unusual';
    do {
      const out: RawRecord[] = [];
      verdict = scanner.scan(out, !!r.done);
      if (out.length) yield out;
    } while (verdict === 'full');
    if (verdict === 'unusual') {
      yield* csvParseRecords(scanner.rest(), text, delimiter, scanner.line, onProblem);
      return;
    }
    if (r.done) return;
  }
}

async function* prefixed(head: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (head) yield head;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

/**
 * Streams a CSV file (UTF-8 with or without BOM, LF or CRLF, comma or semicolon) as records keyed by
 * the header row. Syntax errors are reported through `onProblem` with their line and parsing goes on.
 */
export async function openCsv(
  input: Readable | AsyncIterable<Buffer | string>,
  onProblem: (p: RecordProblem) => void,
  options: CsvReaderOptions = {},
): Promise<CsvSource> {
  const text = normaliseNewlines(input as AsyncIterable<Buffer | string>);
  // Read until the first line is complete to choose the delimiter.
  let head = '';
  let first = await text.next();
  while (!first.done) {
    head += first.value;
    if (head.includes('\n')) break;
    first = await text.next();
  }
  const headerLine = head.replace(/^\uFEFF/, '').split('\n', 1)[0] ?? '';
  const delimiter = detectDelimiter(headerLine);
  const raw = rawRecords(prefixed(head, text), delimiter, onProblem, options);
  let header: string[] | undefined;
  let pending: RawRecord[] = [];
  while (!header) {
    const r = await raw.next();
    if (r.done) break;
    if (r.value.length === 0) continue;
    header = (r.value[0] as RawRecord).fields.map(normaliseHeaderName);
    pending = r.value.slice(1);
  }
  if (!header) {
    return { header: [], batches: (async function* () {})() };
  }
  const width = header.length;
  const names = header;
  const toRecords = (rs: RawRecord[]): SourceRecord[] => {
    const out: SourceRecord[] = [];
    for (const { line, fields } of rs) {
      if (fields.length !== width) {
        onProblem({ line, field: '', reason: `expected ${width} fields, found ${fields.length}` });
        continue;
      }
      const values: Record<string, string> = {};
      for (let i = 0; i < width; i++) values[names[i] as string] = fields[i] as string;
      out.push({ line, values });
    }
    return out;
  };
  async function* batches(): AsyncGenerator<SourceRecord[]> {
    if (pending.length) yield toRecords(pending);
    pending = [];
    for await (const rs of raw) yield toRecords(rs);
  }
  return { header, batches: batches() };
}

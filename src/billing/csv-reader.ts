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
  records: AsyncIterable<SourceRecord>;
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
    yield s.replace(/\r\n?/g, '\n');
  }
  const tail = decoder.decode() + (pendingCr ? '\n' : '');
  if (tail) yield tail.replace(/\r\n?/g, '\n');
}

function normaliseHeaderName(h: string): string {
  return h.replace(/^\uFEFF/, '').trim().toLowerCase();
}

/**
 * Streams a CSV file (UTF-8 with or without BOM, LF or CRLF, comma or semicolon) as records keyed by
 * the header row. Syntax errors are reported through `onProblem` with their line and parsing goes on.
 */
export async function openCsv(
  input: Readable | AsyncIterable<Buffer | string>,
  onProblem: (p: RecordProblem) => void,
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
  const parser = parse({
    delimiter,
    bom: true,
    info: true,
    relax_column_count: true,
    // Billing exports write addresses like  бул. "Добруджа" 41  without quoting the field.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      onProblem({ line: Number(err?.lines ?? 0), field: '', reason: `CSV syntax: ${err?.message.split(':')[0] ?? 'unreadable record'}` });
      return undefined;
    },
  });
  const feed = (async () => {
    try {
      if (head) parser.write(head);
      for await (const s of text) {
        if (!parser.write(s)) await new Promise((r) => parser.once('drain', r));
      }
      parser.end();
    } catch (e) {
      parser.destroy(e as Error);
    }
  })();
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number } }>;
  const firstRecord = await iterator.next();
  if (firstRecord.done) {
    await feed;
    return { header: [], records: (async function* () {})() };
  }
  const header = firstRecord.value.record.map(normaliseHeaderName);
  async function* records(): AsyncGenerator<SourceRecord> {
    for (;;) {
      const r = await iterator.next();
      if (r.done) break;
      const { record, info } = r.value;
      // csv-parse reports the line a record ends on; line breaks inside quoted fields tell where it began.
      let line = info.lines;
      for (const field of record) for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) line--;
            if (record.length !== header.length) {
        onProblem({ line, field: '', reason: `expected ${header.length} fields, found ${record.length}` });
        continue;
      }
      const values: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) values[header[i] as string] = record[i] as string;
      yield { line, values };
    }
    await feed;
  }
  return { header, records: records() };
}

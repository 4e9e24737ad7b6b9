import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openCsv, detectDelimiter, type RecordProblem } from '../../src/billing/csv-reader.js';

const readAll = (chunks: Array<string | Buffer>) => readWith('fast', chunks);

const sample = '\uFEFFcustomer_number;name;street\r\n1001;"Иванов; Иван";"ул. ""Шипка"" 5\r\nвх. Б"\r\n\r\n1002;Петрова;ул. Роза 1\r\n';

test('semicolon, BOM, CRLF, quoted delimiter, quote and line break; line numbers as an editor shows', async () => {
  const { header, records, problems } = await readAll([sample]);
  assert.deepEqual(header, ['customer_number', 'name', 'street']);
  assert.deepEqual(problems, []);
  assert.deepEqual(records, [
    { line: 2, values: { customer_number: '1001', name: 'Иванов; Иван', street: 'ул. "Шипка" 5\nвх. Б' } },
    { line: 5, values: { customer_number: '1002', name: 'Петрова', street: 'ул. Роза 1' } },
  ]);
});

test('the result does not depend on how the bytes are chunked (multi-byte characters split too)', async () => {
  const bytes = Buffer.from(sample, 'utf8');
  const expected = await readAll([bytes]);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), async (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let last = 0;
      for (const p of points) {
        chunks.push(bytes.subarray(last, p));
        last = p;
      }
      chunks.push(bytes.subarray(last));
      assert.deepEqual(await readAll(chunks), expected);
    }),
    { numRuns: 60 },
  );
});

test('comma delimiter and LF; a short row and an unclosed quote are reported with their lines', async () => {
  const { records, problems } = await readAll(['a,b\n1,2\n3\n4,"x\n']);
  assert.deepEqual(records, [{ line: 2, values: { a: '1', b: '2' } }]);
  assert.equal(problems[0]?.line, 3);
  assert.match(problems[0]?.reason ?? '', /expected 2 fields, found 1/);
  assert.equal(problems[1]?.line, 4);
  assert.match(problems[1]?.reason ?? '', /CSV syntax/);
});

test('delimiter detection ignores quoted delimiters', () => {
  assert.equal(detectDelimiter('"a;b",c,d'), ',');
  assert.equal(detectDelimiter('a;"b,c,d";e'), ';');
});

// The hand-written scanner must read every input exactly as csv-parse does (records, their lines,
// the problems and their lines), however the input is cut into chunks: it handles the well-formed
// records itself and hands the rest of the file to csv-parse at the first record it is unsure of.
async function readWith(scanner: 'fast' | 'csv-parse', chunks: Array<string | Buffer>) {
  const problems: RecordProblem[] = [];
  const csv = await openCsv((async function* () { yield* chunks; })(), (p) => problems.push(p), { scanner });
  const records = [];
  for await (const batch of csv.batches) records.push(...batch);
  problems.sort((a, b) => a.line - b.line || a.reason.localeCompare(b.reason));
  return { header: csv.header, records, problems };
}

function cut<T extends string | Buffer>(whole: T, points: number[]): T[] {
  const out: T[] = [];
  let last = 0;
  for (const p of [...new Set(points)].filter((x) => x > 0 && x < whole.length).sort((a, b) => a - b)) {
    // Never between the two halves of a surrogate pair: a decoder never hands such a string over.
    if (typeof whole === 'string' && /[\uDC00-\uDFFF]/.test(whole.charAt(p))) continue;
    out.push(whole.slice(last, p) as T);
    last = p;
  }
  out.push(whole.slice(last) as T);
  return out;
}

const piece = fc.constantFrom('a', '1', 'б', 'ж.к.', ' ', ',', ';', '"', '""', '\n', '\r\n', '\r', '\uFEFF', '€', '𝄞');
const field = fc.oneof(
  fc.array(fc.constantFrom('a', '1', 'б', ' ', '€'), { maxLength: 4 }).map((a) => a.join('')),
  fc.array(piece, { maxLength: 5 }).map((a) => `"${a.join('').replace(/"/g, '""')}"`),
  fc.array(piece, { maxLength: 4 }).map((a) => a.join('')),
);
const csvText = fc.tuple(
  fc.boolean(),
  fc.constantFrom(',', ';'),
  fc.constantFrom('\n', '\r\n'),
  fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 0, maxLength: 7 }),
  fc.boolean(),
).map(([bom, d, nl, rows, trailing]) => (bom ? '\uFEFF' : '') + ['h1' + d + 'h2' + d + 'h3', ...rows.map((r) => r.join(d))].join(nl) + (trailing ? nl : ''));

test('the fast scanner reads every input exactly as csv-parse does, however it is chunked', async () => {
  await fc.assert(
    fc.asyncProperty(csvText, fc.array(fc.nat(400), { maxLength: 6 }), fc.boolean(), async (text, points, asBytes) => {
      const reference = await readWith('csv-parse', [text]);
      const chunks = asBytes ? cut(Buffer.from(text, 'utf8'), points) : cut(text, points);
      assert.deepEqual(await readWith('fast', chunks), reference);
    }),
    { numRuns: 3000 },
  );
});

test('arbitrary text, not only CSV-like rows: the scanner still agrees with csv-parse', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { maxLength: 60 }), fc.array(fc.nat(80), { maxLength: 5 }), async (parts, points) => {
      const text = 'a,b\n' + parts.join('');
      assert.deepEqual(await readWith('fast', cut(text, points)), await readWith('csv-parse', [text]));
    }),
    { numRuns: 3000 },
  );
});

test('the usual case stays in the scanner; an unusual record hands over with its line', async () => {
  const text = 'a;b\n1;"x ""y"""\n\n2;бул. "Добруджа" 41\n3;"z"w\n4;"5\n6";7\n8;"9\n';
  const { records, problems } = await readWith('fast', [text]);
  assert.deepEqual(records.map((r) => r.line), [2, 4, 5]);
  assert.equal(records[0]?.values.b, 'x "y"');
  assert.equal(records[1]?.values.b, 'бул. "Добруджа" 41');
  assert.equal(records[2]?.values.b, '"z"w');
  assert.deepEqual(problems.map((p) => [p.line, p.reason]), [[6, 'expected 2 fields, found 3'], [8, 'CSV syntax: Quote Not Closed']]);
  assert.deepEqual(await readWith('csv-parse', [text]), { header: ['a', 'b'], records, problems });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openCsv, detectDelimiter, type RecordProblem } from '../../src/billing/csv-reader.js';

async function readAll(chunks: Array<string | Buffer>) {
  const problems: RecordProblem[] = [];
  const csv = await openCsv((async function* () { yield* chunks; })(), (p) => problems.push(p));
  const records = [];
  for await (const r of csv.records) records.push(r);
  problems.sort((a, b) => a.line - b.line);
  return { header: csv.header, records, problems };
}

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

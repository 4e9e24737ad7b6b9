import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_KINDS } from '../../src/demo/generate.js';
import { sampleLogins } from '../../src/demo/try-these.js';
import { writeDemoCsv } from '../../src/demo/write.js';
import { dataset, daysBetween, replayAllocation } from './dataset.js';

const opts = { customers: 1500, seed: 9, today: '2026-02-18' };

test('writeDemoCsv writes the four files with the generated text and counts their rows', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'izvestie-demo-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'new', 'folder');
  const r = await writeDemoCsv(out, opts);
  const expected = dataset(opts);
  assert.deepEqual((await readdir(out)).sort(), DEMO_KINDS.map((k) => `${k}.csv`).sort());
  for (const kind of DEMO_KINDS) {
    assert.equal(r.files[kind], join(out, `${kind}.csv`));
    const bytes = await readFile(r.files[kind]);
    assert.equal(bytes.toString('utf8'), expected.text[kind], kind);
    assert.equal(r.counts[kind], expected.rows[kind].length, kind);
  }
  assert.equal(r.counts.customers, opts.customers);
  assert.equal(r.counts.invoices, 12 * opts.customers);
  // Writing again replaces the files with identical ones.
  const again = await writeDemoCsv(out, opts);
  assert.deepEqual(again.counts, r.counts);
  assert.equal(await readFile(again.files.payments, 'utf8'), expected.text.payments);
});

test('sampleLogins: real customers with their newest invoice, half overdue', () => {
  const data = dataset(opts);
  const { open } = replayAllocation(data.rows);
  const samples = sampleLogins(opts, 5);
  assert.equal(samples.length, 5);
  assert.equal(samples.filter((s) => s.overdue).length, 3);
  assert.deepEqual(sampleLogins(opts, 5), samples, 'deterministic');
  for (const s of samples) {
    const customer = data.rows.customers.find((c) => c.customer_number === s.customerNumber);
    assert.ok(customer, s.customerNumber);
    assert.equal(customer.name, s.name);
    const invoice = data.rows.invoices.find((i) => i.invoice_number === s.invoiceNumber);
    assert.equal(invoice?.customer_number, s.customerNumber);
    assert.ok(invoice.issue_date! <= opts.today && daysBetween(invoice.issue_date!, opts.today) < 365);
    const overdue = data.rows.invoices.some((i) => i.customer_number === s.customerNumber && i.due_date! < opts.today && open.get(i.invoice_number!)! > 0);
    assert.equal(s.overdue, overdue, s.customerNumber);
  }
  assert.deepEqual(sampleLogins({ ...opts, customers: 0 }, 3), []);
});

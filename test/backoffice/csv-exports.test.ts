// Spreadsheet-safe exports: a CSV is opened with ',' or with ';' as the list separator (Excel in a
// Bulgarian locale uses ';'), so no piece of a line split on either may be a formula.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { csvRow } from '../../src/csv-safe.js';
import { disconnectionCsv } from '../../src/dunning/disconnections.js';
import { placeHold } from '../../src/dunning/holds.js';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, seedCustomer, seedStaff, signIn } from './support.js';

const ATTACK = "Ivan;=cmd|' /C calc'!A0";
const NASTY = [ATTACK, 'Ivan,=1+1', 'a; "@SUM(A1)', 'x\r\n-2+3', 'Sofia;\t=x', '+359;-1+cmd'];
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;

/** Every cell a spreadsheet would make of the file with either separator is harmless. */
function assertSpreadsheetSafe(csv: string, what: string): void {
  for (const line of csv.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    for (const sep of [',', ';']) {
      for (const piece of line.split(sep)) {
        const cell = piece.replace(/^[ "]+/, '');
        if (PLAIN_NUMBER.test(cell.replace(/"+$/, ''))) continue;
        assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `${what}: ${JSON.stringify(cell)} of ${JSON.stringify(line)} split on '${sep}'`);
      }
    }
  }
}

test('csvRow: no cell a spreadsheet splitting on , or ; would evaluate; plain numbers stay numbers', () => {
  const risky = fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', ',', ';', '"', ' ', 'a', '1', '.');
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string({ unit: risky, maxLength: 12 }), fc.string({ maxLength: 12 }), fc.integer()), { maxLength: 6 }), (cells) => {
      assertSpreadsheetSafe(csvRow(cells), JSON.stringify(cells));
    }),
    { numRuns: 2000 },
  );
  assert.equal(csvRow(['x', '-12.50', -3, '7']), 'x,-12.50,-3,7');
  // A line opened with the other separator is one cell: it must not begin a formula either.
  assert.equal(csvRow([-3, 'x']), "'-3,x");
  assert.equal(csvRow([ATTACK]), `"Ivan;'=cmd|' /C calc'!A0"`);
});

test('the disconnection list for field crews is safe with either separator', () => {
  const csv = disconnectionCsv(
    NASTY.map((name, i) => ({ customer_number: `30000000${i}`, name, street: name, postcode: '1000', town: name, customer_class: 'household', total: 1234, invoices: [name], oldest_due: '2026-11-02', listed_since: '2026-11-23' })),
  );
  assert.ok(csv.includes(`"Ivan;'=cmd`));
  assertSpreadsheetSafe(csv, 'disconnections');
});

describeEachBackend('back-office CSV exports with either list separator', (get) => {
  let app: FastifyInstance;
  before(async () => {
    const database = get();
    ({ app } = await backofficeApp(database));
    await seedStaff(database);
    await seedCustomer(database, '3000000201', ATTACK, [{ number: '7000000201', due: '2025-11-20', amountMinor: 4550 }]);
    for (const [i, note] of NASTY.entries()) await placeHold(database.db, { customerNumber: '3000000201', reason: 'complaint', until: '2099-12-31', note }, `staff:${i};=x`);
  });
  after(async () => {
    await app.close();
  });

  test('lists, the customer page, holds and the audit trail', async () => {
    const admin = await signIn(app, 'admin1');
    const urls = [
      `/backoffice/customers?q=${encodeURIComponent('Ivan')}&by=name&format=csv`,
      ...['invoices', 'payments', 'subscriptions', 'holds', 'messages', 'audit'].map((l) => `/backoffice/customers/3000000201/export/${l}`),
      '/backoffice/holds?format=csv',
      '/backoffice/audit?format=csv',
    ];
    for (const url of urls) {
      const r = await admin.get(url);
      assert.equal(r.status, 200, url);
      assert.match(String(r.headers['content-type']), /^text\/csv/, url);
      assertSpreadsheetSafe(r.body, url);
    }
    const found = await admin.get(urls[0]!);
    assert.ok(found.body.includes(`"Ivan;'=cmd|' /C calc'!A0"`), found.body);
    const invoices = await admin.get('/backoffice/customers/3000000201/export/invoices');
    assert.match(invoices.body, /,23\.26,/, 'an amount stays a number');
  });
});

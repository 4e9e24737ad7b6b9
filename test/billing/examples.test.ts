import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { describeEachBackend } from '../support/db.js';
import { importCsv } from '../../src/billing/import.js';
import { importKinds } from '../../src/billing/kinds/index.js';

// The README documents these files: they must import as they are.
describeEachBackend('README example files', (get) => {
  for (const kind of ['customers', 'invoices', 'payments', 'subscriptions'] as const) {
    test(`examples/${kind}.csv imports cleanly`, async () => {
      const r = await importCsv(get(), importKinds[kind], createReadStream(`examples/${kind}.csv`), {
        source: `${kind}.csv`,
        actor: 'test',
        skipInvalid: false,
        maxReportedErrors: 10,
      });
      assert.deepEqual(r.errors, []);
      assert.equal(r.committed, true);
      assert.equal(r.inserted, r.rows);
    });
  }
});

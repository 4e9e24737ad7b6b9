import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../../src/db/open.js';
import { openDatabase } from '../../../src/db/open.js';
import { migrate } from '../../../src/db/migrate.js';
import { enqueue } from '../../../src/delivery/outbox/enqueue.js';
import { silentLogger } from '../../../src/log.js';
import { backends, openTestPostgres } from '../../support/db.js';

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' });
}

async function seed(database: Database): Promise<void> {
  await database.db.insertInto('customers').values({ customer_number: '3000000001', name: 'Иван Петров', street: 'ул. „Шипка“ 1', town: 'Варна', postcode: '9000', customer_class: 'household' }).execute();
  await database.db
    .insertInto('invoices')
    .values({ invoice_number: 'INV-1', customer_number: '3000000001', issue_date: '2024-01-01', due_date: '2024-01-21', amount_minor: 5000, currency: 'BGN' })
    .execute();
  const { id } = await enqueue(database.db, {
    businessKey: 'cli-letter',
    kind: 'overdue_reminder',
    channel: 'letter',
    recipient: 'Иван Петров\nул. „Шипка“ 1\n9000 Варна',
    customerNumber: '3000000001',
    // The notices' guard runs in the command: the bill must still be unpaid.
    payload: { invoices: ['INV-1'], min_eur_minor: 100 },
    subject: 'Напомняне',
    body: 'Здравейте,\n\nимате неплатени сметки.',
  });
  await database.db.updateTable('outbox_messages').set({ created_at: '2024-03-12T10:00:00Z', not_before: '2024-03-12T10:00:00Z' }).where('id', '=', id).execute();
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

for (const b of backends) {
  describe(`izvestie letters export [${b.name}]`, { skip: b.skip }, () => {
    test('exports the day into --out, says what it wrote, and the second run writes nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'izv-letters-cli-'));
      dirs.push(dir);
      const env: Record<string, string> = { DATABASE_URL: '', IZVESTIE_DATA_DIR: join(dir, 'data'), LETTER_SENDER: 'Примерно АД\\nул. Примерна 1\\n9000 Варна' };
      let close: () => Promise<void> = async () => undefined;
      if (b.name === 'postgres') {
        const database = await openTestPostgres();
        await seed(database);
        env.DATABASE_URL = database.url;
        close = () => database.close();
      } else {
        // The command opens the data directory itself: the seeding process must have let go of it.
        const database = await openDatabase({ kind: 'pglite', dataDir: env.IZVESTIE_DATA_DIR ?? '' }, silentLogger);
        await migrate(database, silentLogger);
        await seed(database);
        await database.close();
      }
      try {
        const out = join(dir, 'print');
        const r = cli(['letters', 'export', '--date', '2024-03-12', '--out', out], env);
        assert.equal(r.status, 0, r.stderr);
        const m = /^2024-03-12: batch (\d+), 1 letters, 1 pages\n {2}(\S+\.pdf)\n {2}(\S+\.csv)\n$/.exec(r.stdout);
        assert.ok(m, r.stdout);
        assert.ok(existsSync(m[2] ?? '') && existsSync(m[3] ?? ''));
        assert.deepEqual(readdirSync(out).sort(), [`letters-2024-03-12-${m[1]}.csv`, `letters-2024-03-12-${m[1]}.pdf`]);

        const again = cli(['letters', 'export', '--date', '2024-03-12', '--out', out], env);
        assert.equal(again.status, 0, again.stderr);
        assert.equal(again.stdout, '2024-03-12: no letters to export; no file written\n');
        assert.equal(readdirSync(out).length, 2);
      } finally {
        await close();
      }
    });
  });
}

test('bad usage exits 2 and says how to call it', () => {
  for (const args of [['letters'], ['letters', 'print', '--date', '2024-03-12'], ['letters', 'export'], ['letters', 'export', '--date', '12.03.2030']]) {
    const r = cli(args, { DATABASE_URL: '', IZVESTIE_DATA_DIR: join(tmpdir(), 'izv-letters-never') });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /izvestie letters export --date YYYY-MM-DD \[--out DIR\]/);
  }
});

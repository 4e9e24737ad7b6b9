import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends, openTestPostgres } from '../support/db.js';
import { openDatabase } from '../../src/db/open.js';
import { migrate } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/log.js';
import type { Database } from '../../src/db/open.js';
import { addCustomer, addInvoice } from './fixtures.js';

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' });
}

async function seed(database: Database): Promise<void> {
  const a = await addCustomer(database.db, 1, { email: true });
  await addInvoice(database.db, a, 'I-1', '2026-11-02', 5000);
  const b = await addCustomer(database.db, 2, { sms: false, name: '@SUM(A1:A9)' });
  await addInvoice(database.db, b, 'I-2', '2026-10-30', 8000);
}

for (const b of backends) {
  describe(`izvestie run, disconnections, report [${b.name}]`, { skip: b.skip }, () => {
    const env: Record<string, string> = {};
    const dir = mkdtempSync(join(tmpdir(), 'izvestie-dunning-cli-'));
    let close: (() => Promise<void>) | undefined;
    before(async () => {
      if (b.name === 'postgres') {
        const pg = await openTestPostgres();
        await seed(pg);
        env.DATABASE_URL = pg.url;
        close = () => pg.close();
      } else {
        env.IZVESTIE_DATA_DIR = join(dir, 'data');
        env.DATABASE_URL = '';
        const lite = await openDatabase({ kind: 'pglite', dataDir: env.IZVESTIE_DATA_DIR }, silentLogger);
        await migrate(lite, silentLogger);
        await seed(lite);
        await lite.close();
      }
    });
    after(async () => {
      await close?.();
    });

    test('run --dry-run shows the counts per stage and channel and the SMS estimate, and writes nothing; run enqueues', () => {
      const dry = cli(['run', '--date', '2026-11-03', '--dry-run'], env);
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(dry.stdout, /DRY RUN: nothing was written or sent/);
      assert.match(dry.stdout, /reminder\s+2\s+0\s+0\s+0\s+1\s+sms\s+1\s+1/);
      assert.match(dry.stdout, /Would create 1 notice\(s\); SMS about 1 part\(s\), about 0\.05 EUR\./);
      // One GSM-7 part per SMS notice (the shipped texts fit one part at worst).
      assert.match(dry.stdout, /SMS notices: 1; average parts per SMS notice: 1\.00 \(reminder 1\.00\)\./);
      const real = cli(['run', '--date', '2026-11-03'], env);
      assert.match(real.stdout, /^Dunning run \d+ for 2026-11-03/);
      assert.match(real.stdout, /Created 1 notice\(s\)/);
      assert.match(cli(['run', '--date', '2026-11-03'], env).stdout, /Created 0 notice\(s\)/);
      assert.equal(cli(['run', '--date', '3.11.2026'], env).status, 2);
    });

    test('disconnections writes the CSV (formulas neutralised); report prints the month', () => {
      const out = join(dir, `list-${b.name}.csv`);
      const r = cli(['disconnections', '--date', '2026-11-23', '--out', out], env);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /2 customer\(s\) on the disconnection list of 2026-11-23/);
      const csv = readFileSync(out, 'utf8');
      assert.match(csv, /\r\n3000000002,'@SUM\(A1:A9\),/);
      const rep = cli(['report', '--month', '2026-11', '--days', '5'], env);
      assert.equal(rep.status, 0, rep.stderr);
      assert.match(rep.stdout, /Effectiveness of notices, 2026-11/);
      assert.match(rep.stdout, /run \d+ on 2026-11-03 \(cli\): 1 notice\(s\) created/);
      assert.equal(cli(['report', '--month', '2026-13'], env).status, 2);
    });
  });
}

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends, openTestPostgres } from '../support/db.js';
import { openDatabase, type Database } from '../../src/db/open.js';
import { migrate } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/log.js';
import { addCustomer, addInvoice } from './fixtures.js';

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', RUN_APPROVAL_MIN_NOTICES: '2', ...env }, encoding: 'utf8' });
}

// Three reminders on Tuesday 3 November (nothing usual yet: held), ten on Thursday 5 November
// (more than 3 × the usual 3: held).
async function seed(database: Database): Promise<void> {
  for (let i = 1; i <= 13; i++) await addInvoice(database.db, await addCustomer(database.db, i), `I-${i}`, i <= 3 ? '2026-11-02' : '2026-11-04', 5000);
}

for (const b of backends) {
  describe(`izvestie run --approve / --reject [${b.name}]`, { skip: b.skip }, () => {
    const env: Record<string, string> = {};
    let open: () => Promise<Database> = () => Promise.reject(new Error('not seeded'));
    let close: (() => Promise<void>) | undefined;
    before(async () => {
      if (b.name === 'postgres') {
        const pg = await openTestPostgres();
        await seed(pg);
        env.DATABASE_URL = pg.url;
        open = async () => pg;
        close = () => pg.close();
      } else {
        env.IZVESTIE_DATA_DIR = join(mkdtempSync(join(tmpdir(), 'izvestie-approval-cli-')), 'data');
        env.DATABASE_URL = '';
        open = () => openDatabase({ kind: 'pglite', dataDir: env.IZVESTIE_DATA_DIR as string }, silentLogger);
        const lite = await open();
        await migrate(lite, silentLogger);
        await seed(lite);
        await lite.close();
      }
    });
    after(async () => {
      await close?.();
    });

    async function statuses(): Promise<string[]> {
      const database = await open();
      try {
        const r = await database.db.selectFrom('outbox_messages').select(['status', 'cancel_reason']).orderBy('id').execute();
        return r.map((m) => (m.cancel_reason ? `${m.status}: ${m.cancel_reason}` : m.status));
      } finally {
        if (b.name === 'pglite') await database.close();
      }
    }

    test('a run far above the usual is held; --approve releases it once, --reject cancels with the reason', async () => {
      const dry = cli(['run', '--date', '2026-11-03', '--dry-run'], env);
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(dry.stdout, /Would create 3 notice\(s\)/);
      assert.match(dry.stdout, /The run would be HELD for approval: 3 notice\(s\) against a usual 0 a day/);

      const held = cli(['run', '--date', '2026-11-03'], env);
      assert.equal(held.status, 0, held.stderr);
      assert.match(held.stdout, /^HELD for approval: 3 notice\(s\) against a usual 0 a day; nothing is sent until a supervisor decides\.$/m);
      assert.match(held.stdout, /Approve: izvestie run --approve 2026-11-03 {4}Reject: izvestie run --reject 2026-11-03 --reason TEXT/);
      assert.deepEqual(await statuses(), ['held', 'held', 'held']);

      const ok = cli(['run', '--approve', '2026-11-03'], env);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /^Approved the run of 2026-11-03 \(run \d+\): 3 notice\(s\) released to the worker\.\n$/);
      assert.deepEqual(await statuses(), ['queued', 'queued', 'queued']);
      const twice = cli(['run', '--approve', '2026-11-03'], env);
      assert.equal(twice.status, 2);
      assert.match(twice.stderr, /^izvestie: The run of 2026-11-03 was already approved by cli:[^\n]+\.\n$/);
      const none = cli(['run', '--approve', '2026-11-04'], env);
      assert.deepEqual([none.status, none.stderr], [2, 'izvestie: No run of 2026-11-04 is waiting for approval.\n']);

      const big = cli(['run', '--date', '2026-11-05'], env);
      assert.match(big.stdout, /HELD for approval: 10 notice\(s\) against a usual 3 a day/);
      const noReason = cli(['run', '--reject', '2026-11-05'], env);
      assert.equal(noReason.status, 2);
      assert.match(noReason.stderr, /^izvestie: --reject needs --reason TEXT\n/);
      const no = cli(['run', '--reject', '2026-11-05', '--reason', 'Грешен импорт'], env);
      assert.equal(no.status, 0, no.stderr);
      assert.match(no.stdout, /^Rejected the run of 2026-11-05 \(run \d+\): 10 notice\(s\) cancelled\.\n$/);
      assert.deepEqual(await statuses(), [...Array(3).fill('queued'), ...Array(10).fill('cancelled: run rejected: Грешен импорт')]);
      assert.equal(cli(['run', '--approve', '2026-11-05'], env).status, 2);
    });

    test('--approve and --reject take a date and are used alone', () => {
      for (const args of [['--approve', '5.11.2026'], ['--approve', '2026-11-05', '--date', '2026-11-05'], ['--approve', '2026-11-05', '--reject', '2026-11-05', '--reason', 'x'], ['--reason', 'x']]) {
        const r = cli(['run', ...args], env);
        assert.equal(r.status, 2, args.join(' '));
        assert.match(r.stderr, /^izvestie: /);
      }
    });
  });
}

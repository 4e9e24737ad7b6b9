import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends, openTestPostgres } from './support/db.js';

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
}

for (const b of backends) {
  describe(`izvestie command [${b.name}]`, { skip: b.skip }, () => {
    const env: Record<string, string> = {};
    let drop: (() => Promise<void>) | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'izvestie-cli-'));
    before(async () => {
      if (b.name === 'postgres') {
        const pgdb = await openTestPostgres();
        env.DATABASE_URL = pgdb.url;
        drop = () => pgdb.close();
      } else {
        env.IZVESTIE_DATA_DIR = join(dir, 'data');
        env.DATABASE_URL = '';
      }
    });
    after(async () => {
      await drop?.();
    });

    test('import reports each file and exits 0; the same file again changes nothing', () => {
      const r = cli(['import', 'customers', 'examples/customers.csv'], env);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /examples\/customers\.csv: 3 rows, 3 inserted, 0 updated, 0 unchanged — committed/);
      const again = cli(['import', 'customers', 'examples/customers.csv'], env);
      assert.match(again.stdout, /3 rows, 0 inserted, 0 updated, 3 unchanged — committed/);
    });

    test('a bad file exits 1 and names file, line, field and reason; --skip-invalid writes the rejects', () => {
      const file = join(dir, 'invoices.csv');
      writeFileSync(file, 'invoice_number;customer_number;issue_date;due_date;amount\n7000000001;3000000101;2026-10-01;2026-10-21;12,50\n7000000002;3000000101;2026-10-01;2026-10-21;=1+1\n');
      const r = cli(['import', 'invoices', file], env);
      assert.equal(r.status, 1);
      assert.match(r.stdout, /NOT imported/);
      assert.match(r.stdout, new RegExp(`${file}:3: amount: "=1\\+1" is not an amount`));
      const rejects = join(dir, 'rejects.csv');
      const s = cli(['import', 'invoices', file, '--skip-invalid', '--rejects', rejects], env);
      assert.equal(s.status, 0, s.stdout + s.stderr);
      assert.match(s.stdout, /2 rows, 1 inserted, 0 updated, 0 unchanged, 1 rejected — committed/);
      const text = readFileSync(rejects, 'utf8');
      assert.match(text, /^\uFEFFline,field,reason,invoice_number,/);
      assert.match(text, /\r\n3,amount,"""=1\+1"" is not an amount/);
      // The rejected value itself is neutralised for spreadsheets.
      assert.match(text, /,'=1\+1,/);
    });

    test('usage errors exit 2 with a message', () => {
      const r = cli(['import', 'bills', 'x.csv'], env);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /usage: izvestie import/);
      const bad = cli(['migrate'], { ...env, PORT: 'x' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /configuration error: PORT: /);
    });

    test('demo-data writes the same files for the same seed and day', () => {
      const a = join(dir, 'a');
      const c = join(dir, 'c');
      assert.equal(cli(['demo-data', '--customers', '50', '--seed', '3', '--today', '2026-11-24', '--out', a], env).status, 0);
      assert.equal(cli(['demo-data', '--customers', '50', '--seed', '3', '--today', '2026-11-24', '--out', c], env).status, 0);
      for (const f of ['customers', 'invoices', 'payments', 'subscriptions']) {
        assert.equal(readFileSync(join(a, `${f}.csv`), 'utf8'), readFileSync(join(c, `${f}.csv`), 'utf8'));
      }
      const load = cli(['demo-data', '--customers', '200', '--load'], env);
      assert.equal(load.status, 0, load.stderr);
      assert.match(load.stdout, /demo payments: \d+ rows, \d+ inserted/);
      assert.match(load.stdout, /customer number \d{10}, invoice number \d{10}/);
    });
  });
}

test('start serves /healthz, logs one line with the URL, and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'izvestie-start-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
    env: { ...process.env, IZVESTIE_DATA_DIR: dir, DATABASE_URL: '', PORT: '0', IZVESTIE_DEMO_CUSTOMERS: '100' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no URL line in time:\n${out}`)), 60_000);
    child.stdout.on('data', () => {
      const m = /izvestie is running at (http:\/\/[^/]+\/)/.exec(out);
      if (m?.[1]) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
  const health = await fetch(`${url}healthz`);
  assert.equal(health.status, 200);
  assert.match(out, /demo data loaded/);
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
  assert.equal(code, 0);
  assert.match(out, /"msg":"stopped"/);
});

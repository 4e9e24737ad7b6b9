import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../src/cli/commands/index.js';
import { backends, openTestPostgres } from './support/db.js';

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
}

/** cli() without blocking, so that many short runs overlap. */
function cliAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
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
      // The reason quotes the value neutralised too: a spreadsheet evaluates no cell of the rejects file.
      assert.match(text, /\r\n3,amount,"""'=1\+1"" is not an amount/);
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
    env: { ...process.env, IZVESTIE_DATA_DIR: dir, DATABASE_URL: '', PORT: '0', METRICS_PORT: '0', IZVESTIE_DEMO_CUSTOMERS: '100' },
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

/** Starts a terminal's colour codes. */
const ESC = '\u001b';

describe('command-line manners', () => {
  const dir = mkdtempSync(join(tmpdir(), 'izvestie-manners-'));
  // Settings of a site whose configuration is wrong only in the way each case says.
  const base = { IZVESTIE_DATA_DIR: join(dir, 'data'), DATABASE_URL: '' };

  test('every command prints its usage for --help and -h and exits 0, even with a broken configuration', async () => {
    assert.ok(Object.keys(commands).length >= 10);
    // --help for each command, -h for one: the same check in main, so one spelling per command suffices.
    const asked = [...Object.keys(commands).map((name) => [name, '--help']), ['user', '-h']] as const;
    const answers = await Promise.all(asked.map(([name, flag]) => cliAsync([name, flag], { ...base, PORT: 'not-a-port' })));
    asked.forEach(([name, flag], i) => {
      const r = answers[i]!;
      const command = commands[name]!;
      assert.equal(r.status, 0, `${name} ${flag}: ${r.stderr}`);
      assert.equal(r.stderr, '', `${name} ${flag}`);
      assert.ok(r.stdout.includes(`usage: ${command.usage}\n`), `${name} ${flag}: ${r.stdout}`);
      assert.ok(r.stdout.startsWith(command.summary), `${name} ${flag}`);
    });
    const help = cli(['help', 'import'], base);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /usage: izvestie import customers\|invoices/);
    const after = cli(['import', 'customers', '--', '--help'], base);
    assert.notEqual(after.status, 0, 'after -- it is a file name, not a request for help');
  });

  test('a configuration error is one plain line on stderr naming the variable, exit 2', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ SMTP_URL: 'smtp://127.0.0.1:25', PUBLIC_URL: 'http://x' }, /^izvestie: configuration error: PUBLIC_URL: must be an https:\/\/ URL when SMTP_URL is set/],
      [{ HTTP_SMS_URL: 'https://sms.example.bg/send', HTTP_SMS_OPTIONS: '{bad' }, /^izvestie: configuration error: HTTP_SMS_OPTIONS: must be a JSON object$/],
      [
        { SMTP_URL: 'smtp://127.0.0.1:25', PUBLIC_URL: 'https://izvestie.example.bg', DKIM_DOMAIN: 'izvestie.example.bg', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: join(dir, 'no-such-key.pem') },
        /^izvestie: configuration error: DKIM_PRIVATE_KEY_FILE: cannot read .*no-such-key\.pem \(ENOENT\)$/,
      ],
      [{ LOG_FORMAT: 'xml' }, /^izvestie: configuration error: LOG_FORMAT: /],
    ];
    // The worker is where the gateway's and the DKIM settings used to fail, as a logged stack trace.
    const runs = cases.flatMap(([env, re]) => ['migrate', 'worker'].map((command) => ({ command, env, re })));
    const answers = await Promise.all(runs.map(({ command, env }) => cliAsync([command], { ...base, ...env })));
    runs.forEach(({ command, env, re }, i) => {
      const r = answers[i]!;
      assert.equal(r.status, 2, `${command} ${JSON.stringify(env)}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', re);
    });
  });

  test('logs are JSON lines when not on a terminal or with LOG_FORMAT=json, readable lines with LOG_FORMAT=pretty', () => {
    for (const [format, data] of [['', 'a'], ['json', 'b']] as const) {
      const r = cli(['migrate'], { ...base, IZVESTIE_DATA_DIR: join(dir, data), LOG_LEVEL: 'info', LOG_FORMAT: format });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.split('\n').filter(Boolean);
      assert.ok(lines.length > 0);
      for (const l of lines) assert.equal((JSON.parse(l) as { service: string }).service, 'izvestie', l);
    }
    const pretty = cli(['migrate'], { ...base, IZVESTIE_DATA_DIR: join(dir, 'c'), LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    assert.equal(pretty.status, 0, pretty.stderr);
    assert.match(pretty.stdout, /^\[\d\d:\d\d:\d\d\] INFO: migration applied\n {4}version: "0001_audit"$/m);
    assert.doesNotMatch(pretty.stdout, /^\{/m);
    assert.ok(!pretty.stdout.includes(`${ESC}[`), 'no colours into a pipe');
  });

  test('on a terminal the logs are readable lines by themselves', { skip: spawnSync('script', ['--version']).status !== 0 && 'no script(1) to make a terminal' }, () => {
    const r = spawnSync('script', ['-qec', `${process.execPath} --import tsx src/cli/main.ts migrate`, '/dev/null'], {
      env: { ...process.env, ...base, IZVESTIE_DATA_DIR: join(dir, 'tty'), LOG_LEVEL: 'info', LOG_FORMAT: '' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const plain = r.stdout.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');
    assert.match(plain, /^\[\d\d:\d\d:\d\d\] INFO: migration applied\r?$/m);
  });
});

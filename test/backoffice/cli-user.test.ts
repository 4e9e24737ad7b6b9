import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/log.js';
import { checkPassword } from '../../src/backoffice/users.js';
import { loadConfig } from '../../src/config.js';
import { backends, openTestPostgres } from '../support/db.js';

function cli(args: string[], env: Record<string, string>, input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    ...(input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input }),
  });
}

const settings = loadConfig({}).backoffice;

for (const b of backends) {
  describe(`izvestie user [${b.name}]`, { skip: b.skip }, () => {
    const env: Record<string, string> = {};
    let drop: (() => Promise<void>) | undefined;
    before(async () => {
      if (b.name === 'postgres') {
        const pgdb = await openTestPostgres();
        env.DATABASE_URL = pgdb.url;
        drop = () => pgdb.close();
      } else {
        env.IZVESTIE_DATA_DIR = join(mkdtempSync(join(tmpdir(), 'izvestie-user-')), 'data');
        env.DATABASE_URL = '';
      }
    });
    after(async () => {
      await drop?.();
    });

    const canSignIn = async (username: string, password: string) => {
      const database = await openDatabase(env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL, poolSize: 2 } : { kind: 'pglite', dataDir: env.IZVESTIE_DATA_DIR ?? '' }, silentLogger);
      try {
        return (await checkPassword(database.db, settings, { username, password, ip: '127.0.0.1', now: new Date() })).ok;
      } finally {
        await database.close();
      }
    };

    test('user add takes the password from standard input and creates the first admin', async () => {
      const r = cli(['user', 'add', '--role', 'admin', '--username', 'Boss', '--name', 'Главен администратор'], env, 'a long piped password\n');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'created admin boss\n');
      assert.ok(!r.stdout.includes('a long piped password'));
      assert.equal(await canSignIn('boss', 'a long piped password'), true);
      const again = cli(['user', 'add', '--role', 'admin', '--username', 'boss'], env, 'another long password\n');
      assert.equal(again.status, 1);
      assert.match(again.stderr, /taken/);
    });

    test('--generate prints the password once; a short password or a bad role is refused', async () => {
      const r = cli(['user', 'add', '--role', 'agent', '--username', 'desk1', '--generate'], env);
      assert.equal(r.status, 0, r.stderr);
      const password = /^password: (\S{20})$/m.exec(r.stdout)?.[1];
      assert.ok(password);
      assert.equal(await canSignIn('desk1', password), true);
      const short = cli(['user', 'add', '--role', 'agent', '--username', 'desk2'], env, 'short\n');
      assert.equal(short.status, 2);
      assert.match(short.stderr, /at least 12 characters/);
      const role = cli(['user', 'add', '--role', 'king', '--username', 'desk3'], env, 'a long piped password\n');
      assert.equal(role.status, 2);
      assert.match(role.stderr, /--role: one of agent, supervisor, admin/);
    });

    test('reset-password, unlock and list', async () => {
      const r = cli(['user', 'reset-password', '--username', 'desk1'], env, 'the brand new password\n');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(await canSignIn('desk1', 'the brand new password'), true);
      assert.equal(cli(['user', 'unlock', '--username', 'desk1'], env).status, 0);
      const list = cli(['user', 'list'], env);
      assert.match(list.stdout, /^boss\tadmin\tactive\t-\tГлавен администратор$/m);
      assert.match(list.stdout, /^desk1\tagent\tactive/m);
      assert.equal(cli(['user', 'unlock', '--username', 'ghost'], env).status, 2);
    });
  });
}

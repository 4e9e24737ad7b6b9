import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { lockDataDir, DataDirLockedError } from '../../src/db/data-dir-lock.js';

test('a second process on the embedded data directory stops with a clear message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'izvestie-lock-'));
  const unlock = lockDataDir(dir);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'migrate'], {
      env: { ...process.env, IZVESTIE_DATA_DIR: dir, DATABASE_URL: '' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`embedded database in ${dir} is in use by process ${process.pid}@`));
    assert.throws(() => lockDataDir(dir), DataDirLockedError);
  } finally {
    unlock();
  }
  assert.equal(existsSync(join(dir, 'izvestie.lock')), false);
});

test('a lock left by a dead process is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'izvestie-lock-'));
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(join(dir, 'izvestie.lock'), `${dead.stdout}@${hostname()}`);
  const unlock = lockDataDir(dir);
  unlock();
});

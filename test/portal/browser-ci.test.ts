import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { backends } from '../support/db.js';

// Under CI=true the test files also insist on PostgreSQL, which would fail the child first.
const noPostgres = backends.find((b) => b.name === 'postgres')?.skip ?? false;

test('under CI=true a missing chromium fails the browser tests instead of skipping them', { skip: noPostgres }, () => {
  // Without the runner's NODE_TEST_CONTEXT the child reports for itself, as CI would run it.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = (ci: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--test', 'test/portal/browser.test.ts'], {
      env: { ...env, CI: ci, IZVESTIE_TEST_CHROMIUM: '/nonexistent/chromium' },
      encoding: 'utf8',
      timeout: 120_000,
    });
  const ci = run('true');
  assert.notEqual(ci.status, 0);
  assert.match(ci.stdout + ci.stderr, /browser tests need \/nonexistent\/chromium is not installed/);
  const local = run('false');
  assert.equal(local.status, 0, local.stdout + local.stderr);
  assert.match(local.stdout, /# skipped [1-9]/);
});

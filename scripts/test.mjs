// Runs every test file under test/ with node's test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [filter...]  — a filter keeps files whose path contains it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = walk('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Tests that time failover between SMS providers (trips, probes, retries within seconds): they run
// after the others, on their own, so that a neighbour's load (workers killed mid-batch, thousands of
// sends) cannot stretch their waits. Twice in CI, beside such a neighbour, a batch took over 30 s.
const ALONE = ['test/delivery/e2e/sms-failover.test.ts'];
const alone = files.filter((f) => ALONE.includes(f.replaceAll('\\', '/')));
const pooled = files.filter((f) => !alone.includes(f));
const run = (list, concurrency) =>
  list.length === 0 ? 0 : (spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=900000', ...list], { stdio: 'inherit' }).status ?? 1);
const pooledStatus = run(pooled, process.env.TEST_CONCURRENCY ?? '2');
const aloneStatus = run(alone, '1');
process.exit(pooledStatus || aloneStatus);

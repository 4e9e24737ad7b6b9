// Run approval on the whole program: `izvestie run` over imported data plans far more notices than
// usual, a running `izvestie worker` sends none of them, `izvestie run --approve` releases them and
// each goes out exactly once; a second decision is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { backends, openTestPostgres } from '../support/db.js';
import { until } from '../support/delivery-e2e.js';
import { cli, importCustomers, programEnv, textsByDestination } from '../support/program.js';
import { startSmsc } from '../support/smsc.js';
import { startWorkerProcess } from '../support/worker-process.js';

const postgres = backends.find((b) => b.name === 'postgres');
const RUN_DATE = '2026-11-25';

test('an over-threshold run sends nothing until approved, then sends each notice once', { skip: postgres?.skip ?? 'no PostgreSQL' }, async (t) => {
  const database = await openTestPostgres();
  const smsc = await startSmsc();
  const env = {
    ...programEnv(database.url),
    SMPP_URL: smsc.url,
    // No history: any run above one notice is unusual.
    RUN_APPROVAL_MIN_NOTICES: '1',
  };
  const worker = startWorkerProcess({ ...env, DUNNING_RUN_AT: '23:59' });
  t.after(async () => {
    worker.kill('SIGTERM');
    await worker.exited;
    await smsc.stop();
    await database.close();
  });
  const customers = [1, 2, 3].map((i) => ({ number: `300000090${i}`, name: `Клиент ${i}`, phone: `0888 900 90${i}`, invoices: [{ number: `700000090${i}`, due: '2026-11-20', amount: `2${i}.00` }] }));
  await importCustomers(database, customers);

  const run = await cli(['run', '--date', RUN_DATE], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /HELD/);
  const again = await cli(['run', '--date', RUN_DATE], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Created 0 notice/);
  // The worker polls every second: a few rounds, and nothing may have gone.
  await sleep(3000);
  assert.equal(smsc.received.length, 0, 'nothing is sent while the run waits');
  const held = await database.db.selectFrom('outbox_messages').select('status').where('kind', '=', 'overdue_reminder').execute();
  assert.deepEqual(held.map((r) => r.status), ['held', 'held', 'held']);

  const approve = await cli(['run', '--approve', RUN_DATE], env);
  assert.equal(approve.code, 0, approve.stderr);
  await until(() => textsByDestination(smsc.submitted).size === 3, 60_000, `three SMS at the SMSC\n${worker.output()}`);
  const twice = await cli(['run', '--approve', RUN_DATE], env);
  assert.equal(twice.code, 2);
  assert.equal(twice.stderr.trim().split('\n').length, 1, twice.stderr);
  await sleep(2000);
  const texts = textsByDestination(smsc.submitted);
  for (const c of customers) assert.equal(texts.get(`35988890090${c.number.slice(-1)}`)?.length, 1, `one SMS to customer ${c.number}`);
  const audit = await database.db.selectFrom('audit_events').select('action').where('action', 'like', 'dunning.run_%').orderBy('id').execute();
  assert.ok(audit.some((a) => a.action === 'dunning.run_approved'), JSON.stringify(audit));
});

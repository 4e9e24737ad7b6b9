import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeEachBackend } from '../support/db.js';
import { openDatabase, type Database } from '../../src/db/open.js';
import { silentLogger } from '../../src/log.js';
import { DunningScheduler, type SchedulerOptions } from '../../src/dunning/scheduler.js';
import { addCustomer, addInvoice, render, reset } from './fixtures.js';

function scheduler(database: Database, now: () => Date, extra: Partial<SchedulerOptions> = {}): DunningScheduler {
  return new DunningScheduler({ db: database.db, runAt: '10:00', workingDaysOnly: true, render, smsPricePerSegmentMinor: 5, now, ...extra });
}

const at = (iso: string) => () => new Date(iso);

describeEachBackend('the dunning scheduler', (get, backend) => {
  beforeEach(async () => {
    const { db } = get();
    await reset(db);
    const c = await addCustomer(db, 1);
    await addInvoice(db, c, 'I-1', '2026-11-02', 5000);
  });

  const scheduledRuns = async () =>
    (await get().db.selectFrom('dunning_runs').select(['run_date', 'trigger', 'actor']).where('trigger', '=', 'schedule').orderBy('id').execute()).map((r) => r.run_date);

  test('two processes due at the same moment: exactly one runs the day', async () => {
    // A second process has its own connections (PGlite is one process by design: a second handle on the same database stands in).
    const url = (get() as Database & { url?: string }).url;
    const other = backend === 'postgres' && url ? await openDatabase({ kind: 'postgres', url, poolSize: 2 }, silentLogger) : get();
    try {
      const now = at('2026-11-03T08:00:00Z'); // 10:00 in Sofia
      const results = await Promise.all([scheduler(get(), now).runIfDue(), scheduler(other, now).runIfDue()]);
      const ran = results.filter((r) => r?.skipped === null);
      assert.equal(ran.length, 1);
      assert.ok(results.some((r) => r?.skipped === 'locked' || r?.skipped === 'done'));
      assert.equal(ran[0]?.noticesCreated, 1);
      // Later the same day (a restart, the hourly wake-up): nothing more.
      assert.equal((await scheduler(other, at('2026-11-03T15:00:00Z')).runIfDue())?.skipped, 'done');
      assert.deepEqual(await scheduledRuns(), ['2026-11-03']);
    } finally {
      if (other !== get()) await other.close();
    }
  });

  test('not before the hour, not on days off when working days only; a missed run is caught up later that day', async () => {
    assert.equal(await scheduler(get(), at('2026-11-03T07:59:00Z')).runIfDue(), null);
    // Saturday 7 November.
    assert.equal(await scheduler(get(), at('2026-11-07T09:00:00Z')).runIfDue(), null);
    assert.equal((await scheduler(get(), at('2026-11-07T09:00:00Z'), { workingDaysOnly: false }).runIfDue())?.skipped, null);
    assert.equal((await scheduler(get(), at('2026-11-09T19:00:00Z')).runIfDue())?.skipped, null);
    assert.deepEqual(await scheduledRuns(), ['2026-11-07', '2026-11-09']);
  });

  test('the clock-change days: a run time in the skipped hour runs once after it; in the repeated hour, once', async () => {
    const every = { workingDaysOnly: false, runAt: '03:30' };
    // 29 March 2026: 03:00 → 04:00. At 02:59 local it is not time; at 04:00 local (01:00Z) it is.
    assert.equal(await scheduler(get(), at('2026-03-29T00:59:00Z'), every).runIfDue(), null);
    assert.equal((await scheduler(get(), at('2026-03-29T01:00:00Z'), every).runIfDue())?.skipped, null);
    // 25 October 2026: 04:00 → 03:00. 03:30 comes at 00:30Z and again at 01:30Z.
    assert.equal(await scheduler(get(), at('2026-10-25T00:29:00Z'), every).runIfDue(), null);
    assert.equal((await scheduler(get(), at('2026-10-25T00:30:00Z'), every).runIfDue())?.skipped, null);
    assert.equal((await scheduler(get(), at('2026-10-25T01:30:00Z'), every).runIfDue())?.skipped, 'done');
    assert.deepEqual(await scheduledRuns(), ['2026-03-29', '2026-10-25']);
  });

  test('start() catches up the day’s run; stop() waits for it and ends the timers', async () => {
    const s = scheduler(get(), at('2026-11-03T08:05:00Z'));
    s.start();
    assert.throws(() => s.start(), /already running/);
    for (let i = 0; i < 200 && (await scheduledRuns()).length === 0; i++) await sleep(50);
    await s.stop();
    assert.deepEqual(await scheduledRuns(), ['2026-11-03']);
  });

  test('a scheduled run far above the usual holds its notices; the held day counts as run', async () => {
    const approval = { factor: 3, minNotices: 0 };
    const r = await scheduler(get(), at('2026-11-03T08:00:00Z'), { approval }).runIfDue();
    assert.deepEqual([r?.noticesCreated, r?.approval], [1, { usualNotices: 0, held: true }]);
    assert.deepEqual((await get().db.selectFrom('outbox_messages').select('status').execute()).map((m) => m.status), ['held']);
    assert.equal((await scheduler(get(), at('2026-11-03T15:00:00Z'), { approval }).runIfDue())?.skipped, 'done');
  });
});

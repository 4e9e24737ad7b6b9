import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { backofficeRoutes } from '../../src/backoffice/routes.js';
import { usualNotices } from '../../src/backoffice/run-approval.js';
import type { DB } from '../../src/db/schema.js';
import { registerErrorHandler } from '../../src/http/error-handler.js';
import { describeEachBackend } from '../support/db.js';
import { testRoot } from '../support/app.js';
import { addCustomer, addInvoice, run } from '../dunning/fixtures.js';
import { seedStaff, signIn, type Client } from './support.js';

const approval = { factor: 3, minNotices: 2 };

/** `n` customers with one invoice due on `due`, numbered from `from`. */
async function overdue(db: Kysely<DB>, from: number, n: number, due: string): Promise<void> {
  for (let i = from; i < from + n; i++) await addInvoice(db, await addCustomer(db, i), `I-${i}`, due, 5000);
}

async function statusesOfRun(db: Kysely<DB>, runId: number | null): Promise<string[]> {
  const r = await db.selectFrom('outbox_messages').select('status').where(sql<number>`(payload->>'run_id')::bigint`, '=', runId).orderBy('id').execute();
  return [...new Set(r.map((x) => x.status))];
}

describeEachBackend('back-office daily runs and their approval', (get) => {
  let app: FastifyInstance;
  let supervisor: Client;
  let agent: Client;
  let asked: string[] = [];
  before(async () => {
    const database = get();
    app = Fastify({ logger: false });
    registerErrorHandler(app);
    const dryRun = async (day: string) => {
      asked.push(day);
      return { plannedNotices: 5000, figures: [{ stage: 'reminder', channel: 'sms', due: 4000, new: 3900 }, { stage: 'final', channel: 'letter', due: 100, new: 100 }] };
    };
    await app.register(backofficeRoutes(await testRoot(database, { RUN_APPROVAL_MIN_NOTICES: '2' }), { dryRun }));
    await app.ready();
    await seedStaff(database);
    supervisor = await signIn(app, 'supervisor1');
    agent = await signIn(app, 'agent1');
    const t = (d: string, h: number) => new Date(`${d}T0${h}:00:00Z`);
    const history: Array<[string, number]> = [['2026-11-10', 1], ['2026-11-11', 2], ['2026-11-12', 3], ['2026-11-12', 4], ['2026-11-13', 5], ['2026-11-14', 40], ['2026-11-16', 500]];
    const ids = await database.db
      .insertInto('dunning_runs')
      .values(
        history.map(([day, n]) => ({
          run_date: day,
          trigger: 'schedule' as const,
          actor: 'scheduler',
          policy_version: 1,
          started_at: t(day, 6),
          finished_at: t(day, 7),
          notices_created: n,
          overdue_customers: n * 2,
          sms_segments: n * 2,
          sms_cost_minor: n * 10,
          figures: JSON.stringify([{ stage: 'reminder', channel: 'sms', due: n, new: n }]),
        })),
      )
      .returning('id')
      .execute();
    const rejected = ids.at(-1)?.id ?? 0;
    await database.db.insertInto('dunning_run_approvals').values({ run_id: rejected, run_date: '2026-11-16', planned_notices: 500, usual_notices: 5, decision: 'rejected', decided_by: 'staff:x', decided_at: new Date(), note: 'грешка' }).execute();
    await database.db.insertInto('dunning_runs').values({ run_date: '2026-11-15', trigger: 'demo', actor: 'demo', policy_version: 0, started_at: t('2026-11-15', 6), finished_at: t('2026-11-15', 7), notices_created: 999999 }).execute();
  });
  after(async () => {
    await app.close();
  });

  test('the usual day is the median of the last days with real runs, a day’s reruns summed; demo and rejected runs do not count', async () => {
    // Days 1, 2, 3+4, 5 and 40: the median is 5 (per run it would be 3.5; with the rejected 500 it would be 6).
    assert.equal(await usualNotices(get().db, '2026-11-20'), 5);
    assert.equal(await usualNotices(get().db, '2026-11-12'), 2);
  });

  test('held runs wait on the runs list, their page and the dashboard; a supervisor approves one and rejects another, once', async () => {
    const { db } = get();
    await overdue(db, 1, 16, '2026-11-19');
    const first = await run(db, '2026-11-20', { approval });
    await overdue(db, 101, 17, '2026-11-20');
    const second = await run(db, '2026-11-23', { approval });
    assert.deepEqual([first.approval, second.approval], [{ usualNotices: 5, held: true }, { usualNotices: 5, held: true }]);

    const list = await supervisor.get('/backoffice/runs');
    assert.match(list.body, /Обработки, които чакат решение/);
    assert.match(list.body, /<strong>20\.11\.2026<\/strong>[^]*?задържани известия <strong>16<\/strong>, обичайно за ден 5/);
    assert.match(list.body, /<strong>23\.11\.2026<\/strong>[^]*?задържани известия <strong>17<\/strong>/);
    assert.match(list.body, /action="\/backoffice\/runs\/approvals\/2026-11-20"/);
    assert.match(list.body, /<td>чака решение<\/td>/);
    const page = await supervisor.get(`/backoffice/runs/${first.runId}`);
    assert.match(page.body, new RegExp(`name="back" value="/backoffice/runs/${first.runId}"`));
    assert.doesNotMatch(page.body, /23\.11\.2026/, 'a run’s page shows its own day only');
    const dash = await supervisor.get('/backoffice/dashboard');
    assert.match(dash.body, /Обработки, които чакат решение[^]*?20\.11\.2026[^]*?23\.11\.2026/);

    // Agents neither see nor decide.
    assert.equal((await agent.get('/backoffice/runs')).status, 403);
    assert.equal((await agent.post('/backoffice/runs/approvals/2026-11-20', { decision: 'approved' })).status, 403);
    assert.deepEqual(await statusesOfRun(db, first.runId), ['held']);

    await supervisor.get('/backoffice/dashboard');
    const ok = await supervisor.post('/backoffice/runs/approvals/2026-11-20', { decision: 'approved', back: '/backoffice/dashboard' });
    assert.deepEqual([ok.status, ok.location], [303, '/backoffice/dashboard']);
    assert.match((await supervisor.get('/backoffice/dashboard')).body, /Обработката от 20\.11\.2026 е одобрена: 16 известия тръгват за изпращане/);
    assert.deepEqual(await statusesOfRun(db, first.runId), ['queued']);
    const twice = await supervisor.post('/backoffice/runs/approvals/2026-11-20', { decision: 'approved' });
    assert.equal(twice.status, 409);
    assert.match(twice.body, /Обработката от 20\.11\.2026 вече е решена/);
    assert.deepEqual(await statusesOfRun(db, first.runId), ['queued']);

    await supervisor.get('/backoffice/runs');
    const noReason = await supervisor.post('/backoffice/runs/approvals/2026-11-23', { decision: 'rejected', reason: ' ' });
    assert.equal(noReason.status, 422);
    assert.match(noReason.body, /Въведете причина за отказа/);
    assert.deepEqual(await statusesOfRun(db, second.runId), ['held']);
    const no = await supervisor.post('/backoffice/runs/approvals/2026-11-23', { decision: 'rejected', reason: 'Сгрешен импорт', back: 'https://evil.example/' });
    assert.deepEqual([no.status, no.location], [303, '/backoffice/runs']);
    assert.deepEqual(await statusesOfRun(db, second.runId), ['cancelled']);
    const reasons = await db.selectFrom('outbox_messages').select('cancel_reason').distinct().where('status', '=', 'cancelled').execute();
    assert.deepEqual(reasons, [{ cancel_reason: 'run rejected: Сгрешен импорт' }]);
    assert.equal((await supervisor.post('/backoffice/runs/approvals/2026-11-24', { decision: 'approved' })).status, 404);

    const decided = await supervisor.get('/backoffice/runs');
    assert.match(decided.body, /Обработката от 23\.11\.2026 е отказана: 17 известия са отменени/);
    assert.match(decided.body, /Няма чакащи обработки\./);
    assert.match(decided.body, /<td>отказана<\/td>[^]*<td>одобрена<\/td>/);
    assert.doesNotMatch((await supervisor.get('/backoffice/dashboard')).body, /Обработки, които чакат решение/);
    assert.match((await supervisor.get(`/backoffice/runs/${second.runId}`)).body, /Одобрение: отказана[^]*Сгрешен импорт/);
    const trail = await db.selectFrom('audit_events').select(['action', 'actor', 'subject']).where('action', 'like', 'dunning.run_%').orderBy('id').execute();
    assert.deepEqual(trail.map((a) => [a.action, a.actor, a.subject]), [
      ['dunning.run_approval_requested', 'test', 'dunning_run:2026-11-20'],
      ['dunning.run_approval_requested', 'test', 'dunning_run:2026-11-23'],
      ['dunning.run_approved', 'staff:supervisor1', 'dunning_run:2026-11-20'],
      ['dunning.run_rejected', 'staff:supervisor1', 'dunning_run:2026-11-23'],
    ]);
  });

  test('the runs list shows each run’s figures and duration, exports to CSV, and opens one run by stage and channel', async () => {
    const page = await supervisor.get('/backoffice/runs');
    assert.equal(page.status, 200);
    assert.match(page.body, /href="\/backoffice\/runs\/\d+"/);
    assert.match(page.body, /<td>15\.11\.2026<\/td><td>demo: demo<\/td><td class="num">по подразбиране<\/td>/, 'policy version 0 is the built-in default');
    const csv = await supervisor.get('/backoffice/runs?format=csv');
    assert.match(csv.body, /\r\n\d+,2026-11-14,schedule: scheduler,1,2026-11-14T06:00:00\.000Z,3600,80,40,0,80,4\.00,\r\n/);
    assert.match(csv.body, /\r\n\d+,2026-11-16,schedule: scheduler,[^\r]*,rejected\r\n/);
    const id = (await get().db.selectFrom('dunning_runs').select('id').where('run_date', '=', '2026-11-14').executeTakeFirstOrThrow()).id;
    const one = await supervisor.get(`/backoffice/runs/${id}`);
    assert.match(one.body, /<th scope="col" class="num">due<\/th>/);
    assert.match(one.body, /<td class="num">40<\/td>/);
  });

  test('the dry run shows what today’s run would do, and warns when it would wait for approval', async () => {
    asked = [];
    const r = await supervisor.get('/backoffice/runs/preview');
    assert.equal(r.status, 200);
    assert.equal(asked.length, 1);
    assert.match(r.body, /<strong>5000<\/strong>/);
    assert.match(r.body, /ще чака одобрение/);
    assert.match(r.body, /letter/);
  });
});

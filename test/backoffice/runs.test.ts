import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { backofficeRoutes } from '../../src/backoffice/routes.js';
import { runApproval, usualNotices } from '../../src/backoffice/run-approval.js';
import { registerErrorHandler } from '../../src/http/error-handler.js';
import { silentLogger } from '../../src/log.js';
import { describeEachBackend } from '../support/db.js';
import { testConfig } from '../support/app.js';
import { seedStaff, signIn, type Client } from './support.js';

const settings = { factor: 3, minNotices: 100 };

describeEachBackend('back-office daily runs and their approval', (get) => {
  let app: FastifyInstance;
  let supervisor: Client;
  let asked: string[] = [];
  before(async () => {
    const database = get();
    app = Fastify({ logger: false });
    registerErrorHandler(app);
    const dryRun = async (day: string) => {
      asked.push(day);
      return { plannedNotices: 5000, figures: [{ stage: 'reminder', channel: 'sms', due: 4000, new: 3900 }, { stage: 'final', channel: 'letter', due: 100, new: 100 }] };
    };
    await app.register(backofficeRoutes({ config: testConfig({ RUN_APPROVAL_MIN_NOTICES: '100' }), database, logger: silentLogger }, { dryRun }));
    await app.ready();
    await seedStaff(database);
    supervisor = await signIn(app, 'supervisor1');
    const t = (d: string, h: number) => new Date(`${d}T0${h}:00:00Z`);
    await database.db
      .insertInto('dunning_runs')
      .values(
        [100, 110, 120, 130, 1400].map((n, i) => ({
          run_date: `2026-11-1${i}`,
          trigger: 'schedule' as const,
          actor: 'scheduler',
          policy_version: 1,
          started_at: t(`2026-11-1${i}`, 6),
          finished_at: t(`2026-11-1${i}`, 7),
          notices_created: n,
          overdue_customers: n * 2,
          sms_segments: n * 2,
          sms_cost_minor: n * 10,
          figures: JSON.stringify([{ stage: 'reminder', channel: 'sms', due: n, new: n }]),
        })),
      )
      .execute();
    await database.db.insertInto('dunning_runs').values({ run_date: '2026-11-15', trigger: 'demo', actor: 'demo', policy_version: 0, started_at: t('2026-11-15', 6), finished_at: t('2026-11-15', 7), notices_created: 999999 }).execute();
  });
  after(async () => {
    await app.close();
  });

  test('the usual count is the median of the last real runs; a run far above it waits for a supervisor', async () => {
    const db = get().db;
    assert.equal(await usualNotices(db, '2026-11-20'), 120);
    assert.deepEqual(await runApproval(db, settings, { runDate: '2026-11-20', plannedNotices: 360 }), { proceed: true, usual: 120, approvedBy: null });
    assert.deepEqual(await runApproval(db, { factor: 3, minNotices: 1000 }, { runDate: '2026-11-20', plannedNotices: 900 }), { proceed: true, usual: 120, approvedBy: null });
    const wait = await runApproval(db, settings, { runDate: '2026-11-20', plannedNotices: 5000 });
    assert.deepEqual(wait, { proceed: false, reason: 'awaiting_approval', planned: 5000, usual: 120 });
    await runApproval(db, settings, { runDate: '2026-11-20', plannedNotices: 5000 });
    const requests = await db.selectFrom('audit_events').selectAll().where('action', '=', 'dunning.run_approval_requested').execute();
    assert.equal(requests.length, 1, 'asking again for the same plan records nothing new');

    const page = await supervisor.get('/backoffice/runs');
    assert.match(page.body, /планирани известия <strong>5000<\/strong>/);
    assert.equal((await supervisor.post('/backoffice/runs/approvals/2026-11-20', { decision: 'approved', note: 'Зимен пик' })).status, 303);
    assert.deepEqual(await runApproval(db, settings, { runDate: '2026-11-20', plannedNotices: 4990 }), { proceed: true, usual: 120, approvedBy: 'staff:supervisor1' });
    // A bigger plan than the one approved asks again.
    assert.equal((await runApproval(db, settings, { runDate: '2026-11-20', plannedNotices: 9000 })).proceed, false);
    await supervisor.get('/backoffice/runs');
    await supervisor.post('/backoffice/runs/approvals/2026-11-20', { decision: 'rejected' });
    assert.deepEqual(await runApproval(db, settings, { runDate: '2026-11-20', plannedNotices: 9000 }), { proceed: false, reason: 'rejected', planned: 9000, usual: 120 });
    const decided = await db.selectFrom('audit_events').select(['action', 'actor']).where('subject', '=', 'dunning_run:2026-11-20').orderBy('id').execute();
    assert.deepEqual(decided.map((d) => d.action), ['dunning.run_approval_requested', 'dunning.run_approved', 'dunning.run_approval_requested', 'dunning.run_rejected']);
  });

  test('the runs list shows each run’s figures and duration, exports to CSV, and opens one run by stage and channel', async () => {
    const page = await supervisor.get('/backoffice/runs');
    assert.equal(page.status, 200);
    assert.match(page.body, /href="\/backoffice\/runs\/\d+"/);
    assert.match(page.body, /<td>15\.11\.2026<\/td><td>demo: demo<\/td><td class="num">по подразбиране<\/td>/, 'policy version 0 is the built-in default');
    const csv = await supervisor.get('/backoffice/runs?format=csv');
    assert.match(csv.body, /\r\n\d+,2026-11-14,schedule: scheduler,1,2026-11-14T06:00:00\.000Z,3600,2800,1400,0,2800,140\.00\r\n/);
    const id = (await get().db.selectFrom('dunning_runs').select('id').where('run_date', '=', '2026-11-14').executeTakeFirstOrThrow()).id;
    const one = await supervisor.get(`/backoffice/runs/${id}`);
    assert.match(one.body, /<th scope="col" class="num">due<\/th>/);
    assert.match(one.body, /<td class="num">1400<\/td>/);
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

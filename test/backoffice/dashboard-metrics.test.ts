import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildMetricsServer, exposition } from '../../src/http/metrics.js';
import { monthList } from '../../src/backoffice/reports.js';
import { testServer } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { seedStaff, signIn, type Client } from './support.js';
import { seedActivity } from './seed-activity.js';

test('month lists are Sofia months, oldest first', () => {
  assert.deepEqual(monthList(new Date('2026-01-31T22:30:00Z'), 3), ['2025-12', '2026-01', '2026-02']);
  assert.deepEqual(monthList(new Date('2026-03-15T10:00:00Z'), 24).slice(0, 2), ['2024-04', '2024-05']);
});

test('the exposition format escapes label values and writes histograms as buckets, sum and count', () => {
  const text = exposition([
    { name: 'x_total', help: 'A "help"\nline', type: 'counter', samples: [{ labels: { a: 'q"\\\n' }, value: 3 }] },
    { name: 'h_seconds', help: 'h', type: 'histogram', samples: [{ labels: { le: '1' }, value: 2, suffix: '_bucket' }, { value: 2.5, suffix: '_sum' }, { value: 2, suffix: '_count' }] },
  ]);
  assert.equal(text, '# HELP x_total A "help"\\nline\n# TYPE x_total counter\nx_total{a="q\\"\\\\\\n"} 3\n# HELP h_seconds h\n# TYPE h_seconds histogram\nh_seconds_bucket{le="1"} 2\nh_seconds_sum 2.5\nh_seconds_count 2\n');
});

describeEachBackend('dashboard and /metrics', (get) => {
  let app: FastifyInstance;
  let supervisor: Client;
  before(async () => {
    app = await testServer(get(), { IZVESTIE_SANDBOX: 'on' });
    await seedStaff(get());
    await seedActivity(get());
    supervisor = await signIn(app, 'supervisor1');
  });
  after(async () => {
    await app.close();
  });

  test('the dashboard carries the figures for its charts, allows only our own scripts, and has every table as CSV', async () => {
    const r = await supervisor.get('/backoffice/dashboard');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-security-policy']), /script-src 'self'/);
    assert.doesNotMatch(String(r.headers['content-security-policy']), /unsafe-inline/);
    assert.match(r.body, /<script src="\/backoffice\/assets\/chart\.umd\.min\.js" defer><\/script>/);
    const json = /<script type="application\/json" id="dashboard-data">([\s\S]*?)<\/script>/.exec(r.body)?.[1] ?? '';
    const data = JSON.parse(json) as { months: string[]; messages: Record<string, number[]>; sms: { segments: number[]; cost: number[] }; subscriptions: Record<string, number[]>; effectiveness: Record<string, unknown>; queue: Record<string, number[]> };
    assert.equal(data.months.length, 24);
    const sum = (a: number[] | undefined) => (a ?? []).reduce((n, x) => n + x, 0);
    // The seed's 17 failed Viber messages each fell back to a two-part SMS.
    assert.equal(sum(data.messages.sms) + sum(data.messages.email) + sum(data.messages.letter), 400 + 12 + 1 + 17);
    assert.equal(sum(data.messages.viber), 120);
    assert.equal(sum(data.sms.segments), 2 * 200 + 2 + 2 * 17, 'parts of every SMS handed to a provider');
    assert.equal(data.subscriptions.online?.at(-1), 27);
    assert.equal(data.subscriptions.centre?.at(-1), 13);
    assert.deepEqual(data.effectiveness.stages, ['reminder']);
    assert.deepEqual(data.effectiveness.sms, [100]);
    assert.deepEqual(data.queue.due, [4, 4, 0]);
    assert.deepEqual(data.queue.later, [2, 2, 0]);
    assert.match(r.body, /Контакти за поправка: 2/);
    const chart = await supervisor.get('/backoffice/assets/chart.umd.min.js');
    assert.equal(chart.status, 200);
    assert.match(chart.body, /Chart/);
    // Every seeded SMS notice took two parts (Cyrillic): the average per notice shows it, month by month.
    const smsCsv = (await supervisor.get('/backoffice/dashboard/export/sms')).body;
    assert.match(smsCsv, /Средно части на известие/);
    const rows = smsCsv.trim().split(/\r?\n/).slice(1);
    assert.ok(rows.length >= 5, smsCsv);
    for (const row of rows) assert.match(row, /,2\.00$/, row);
    assert.match(r.body, /Средно части на известие/);
    for (const report of ['messages', 'sms', 'subscriptions', 'effectiveness', 'queue', 'attention']) {
      const csv = await supervisor.get(`/backoffice/dashboard/export/${report}`);
      assert.equal(csv.status, 200, report);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
    }
  });

  test('/metrics answers in the Prometheus text format with the queue, messages, provider latency and the last run', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    const r = await buildMetricsServer(app).inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const body = r.body;
    assert.match(body, /^# TYPE izvestie_outbox_queue_depth gauge$/m);
    assert.match(body, /^izvestie_outbox_queue_depth\{channel="sms",state="due"\} 4$/m);
    assert.match(body, /^izvestie_outbox_queue_depth\{channel="email",state="scheduled"\} 2$/m);
    assert.match(body, /^izvestie_messages_last_24h\{channel="sms",status="queued"\} 6$/m);
    assert.match(body, /^izvestie_provider_attempts_last_15m\{provider="smpp",outcome="accepted"\} \d+$/m);
    assert.match(body, /^izvestie_provider_latency_seconds_bucket\{provider="smtp",le="\+Inf"\} \d+$/m);
    assert.match(body, /^izvestie_provider_latency_seconds_count\{provider="smtp"\} \d+$/m);
    assert.match(body, /^izvestie_dunning_run_duration_seconds\{trigger="schedule"\} 2\.5$/m);
    assert.match(body, /^izvestie_contacts_needing_attention 2$/m);
    assert.match(body, /^izvestie_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1$/m);
    // Every sample line is name{labels} value.
    for (const l of body.split('\n').filter((x) => x && !x.startsWith('#'))) assert.match(l, /^[a-z_:][a-z0-9_:]*(\{[^}]*\})? [-+0-9.eInfNa]+$/, l);
  });
});

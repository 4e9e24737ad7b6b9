import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { startAll } from '../../src/app/processes.js';
import { buildMetricsServer } from '../../src/http/metrics.js';
import { describeEachBackend } from '../support/db.js';
import { testApiKey, testRoot, testServer } from '../support/app.js';

/** How many SMS the metrics say are due now. */
const dueSms = (body: string) => Number(/^izvestie_outbox_queue_depth\{channel="sms",state="due"\} (\d+)$/m.exec(body)?.[1] ?? 0);

describeEachBackend('/metrics on its own listener; security headers on every answer', (get) => {
  let app: FastifyInstance;
  before(async () => {
    app = await testServer(get(), { IZVESTIE_SANDBOX: 'on' });
  });
  after(async () => {
    await app.close();
  });

  async function queueSms(n: number): Promise<void> {
    const rows = Array.from({ length: n }, (_, i) => ({ business_key: `metrics-test:${Date.now()}:${i}`, kind: 'e2e_text', channel: 'sms' as const, recipient: '+359888000001', body: 'Проба', status: 'queued' as const, not_before: new Date() }));
    await get().db.insertInto('outbox_messages').values(rows).execute();
  }

  test('the public app has no /metrics; the listener has it, and reads the database at most once per cacheMs', async () => {
    const none = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(none.statusCode, 404);
    await app.inject({ method: 'GET', url: '/healthz' });

    const cached = buildMetricsServer(app, { cacheMs: 3_600_000 });
    const fresh = buildMetricsServer(app, { cacheMs: 0 });
    try {
      const first = await cached.inject({ method: 'GET', url: '/metrics' });
      assert.equal(first.statusCode, 200);
      assert.match(first.body, /^izvestie_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1$/m);
      const before = dueSms((await fresh.inject({ method: 'GET', url: '/metrics' })).body);
      await queueSms(2);
      assert.equal(dueSms((await cached.inject({ method: 'GET', url: '/metrics' })).body), dueSms(first.body), 'within cacheMs the gauges are not read again');
      assert.equal(dueSms((await fresh.inject({ method: 'GET', url: '/metrics' })).body), before + 2);
    } finally {
      await cached.close();
      await fresh.close();
    }
  });

  test('the API, its CSV, 404s and /docs carry the pages’ security headers', async () => {
    const auth = { authorization: `Bearer ${testApiKey}` };
    const answers = {
      api: await app.inject({ method: 'GET', url: '/api/v1/reports/effectiveness?month=2026-10', headers: auth }),
      csv: await app.inject({ method: 'GET', url: '/api/v1/disconnections?date=2026-11-02', headers: auth }),
      refused: await app.inject({ method: 'GET', url: '/api/v1/disconnections' }),
      notFound: await app.inject({ method: 'GET', url: '/no/such/page' }),
      apiNotFound: await app.inject({ method: 'POST', url: '/api/v1/nothing', payload: {} }),
      docs: await app.inject({ method: 'GET', url: '/docs' }),
      openapi: await app.inject({ method: 'GET', url: '/docs/json' }),
      healthz: await app.inject({ method: 'GET', url: '/healthz' }),
    };
    assert.equal(answers.csv.statusCode, 200, answers.csv.body);
    assert.equal(answers.docs.statusCode, 200);
    assert.equal(answers.openapi.statusCode, 200);
    for (const [name, r] of Object.entries(answers)) {
      assert.equal(r.headers['x-content-type-options'], 'nosniff', name);
      assert.match(String(r.headers['strict-transport-security']), /max-age=31536000/, name);
      assert.equal(r.headers['x-frame-options'], 'DENY', name);
      if (name !== 'docs') assert.equal(r.headers['cache-control'], 'no-store', name);
    }
  });

  test('izvestie start serves /metrics on METRICS_HOST:METRICS_PORT, not on the public port', async () => {
    const root = await testRoot(get(), { PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', IZVESTIE_SANDBOX: 'on' });
    assert.equal(root.config.metrics.host, '127.0.0.1');
    const running = await startAll(root);
    try {
      assert.ok(running.metricsPort !== null && running.metricsPort !== running.port);
      const metrics = await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^# TYPE izvestie_outbox_queue_depth gauge$/m);
      const pub = await fetch(`http://127.0.0.1:${running.port}/metrics`);
      assert.equal(pub.status, 404);
      await pub.text();
    } finally {
      await running.stop();
    }
  });
});

// Several SMS providers on the wire: two real SMSCs (a primary and a backup) and a running worker
// assembled from the root, as `izvestie worker` runs it. The primary takes everything while
// healthy; stopped, or refusing most sends, new messages go to the backup, none to both; back,
// it takes over again; a prefix-preferred provider takes its operator's numbers.
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { assemble, type Root } from '../../../src/app/root.js';
import { createWorker } from '../../../src/app/worker.js';
import { backofficeRoutes } from '../../../src/backoffice/routes.js';
import { loadConfig } from '../../../src/config.js';
import { enqueueMany, type NewMessage } from '../../../src/delivery/outbox/enqueue.js';
import type { Worker } from '../../../src/delivery/worker.js';
import { registerErrorHandler } from '../../../src/http/error-handler.js';
import { buildMetricsServer } from '../../../src/http/metrics.js';
import { buildServer } from '../../../src/http/server.js';
import { silentLogger } from '../../../src/log.js';
import { seedStaff, signIn } from '../../backoffice/support.js';
import { backends, openTestPostgres } from '../../support/db.js';
import { until } from '../../support/delivery-e2e.js';
import { startHttpGateway, type HttpGateway } from '../../support/http-gateway.js';
import { startSmsc, type Smsc } from '../../support/smsc.js';

const TEXT_KIND = 'e2e_text';
const BATCH = 40;

const postgres = backends.find((b) => b.name === 'postgres');

describe('several SMS providers: failover between two SMSCs', { skip: postgres?.skip ?? 'no PostgreSQL backend' }, () => {
  let database: Awaited<ReturnType<typeof openTestPostgres>>;
  let primary: Smsc;
  let backup: Smsc;
  let root: Root;
  let worker: Worker;
  let serial = 0;

  const env = (providers: unknown[]) => ({
    DATABASE_URL: database.url,
    SMS_PROVIDERS: JSON.stringify(providers),
    SMS_QUIET_HOURS: 'off',
    SMS_FAILOVER_RECOVERY_SECONDS: '1',
    SMS_FAILOVER_WINDOW_SECONDS: '30',
    SMS_FAILOVER_MIN_SAMPLES: '10',
    SMS_FAILOVER_FAILURE_RATE: '0.5',
  });
  const smpp = (name: string, smsc: Smsc, extra: Record<string, unknown> = {}) => ({ name, type: 'smpp', url: smsc.url, rate: 500, window: 10, inFlight: 20, ...extra });
  // Retries soon, so that a message refused by the primary is seen going to the backup within the test.
  const tune = { retryBaseDelayMs: 100, retryMaxDelayMs: 400, pollIntervalMs: 200 };

  before(async () => {
    database = await openTestPostgres();
    primary = await startSmsc();
    backup = await startSmsc();
    root = await assemble(loadConfig(env([smpp('primary', primary), smpp('backup', backup)])), silentLogger, database);
    worker = createWorker(root, tune);
    await worker.start();
  });
  after(async () => {
    await worker?.stop();
    await primary?.stop();
    await backup?.stop();
    await database?.close();
  });

  /** A batch of messages to distinct numbers; returns their numbers as on the wire (no '+'). */
  async function send(n: number, number: (i: number) => string = (i) => `+359887${String(serial * 1000 + i).padStart(6, '0')}`): Promise<{ prefix: string; wire: string[] }> {
    serial += 1;
    const prefix = `failover${serial}`;
    const messages: NewMessage[] = Array.from({ length: n }, (_, i) => ({ businessKey: `${prefix}:${i}`, kind: TEXT_KIND, channel: 'sms', recipient: number(i), body: `Izvestie ${serial}/${i}` }));
    assert.equal(await enqueueMany(database.db, messages), n);
    return { prefix, wire: messages.map((m) => m.recipient.slice(1)) };
  }
  const sentCount = async (prefix: string) => {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages WHERE business_key LIKE ${`${prefix}:%`} AND status = 'sent'`.execute(database.db);
    return r.rows[0]?.n ?? -1;
  };
  const acceptedOn = (smsc: Smsc, wire: readonly string[]) => {
    const set = new Set(wire);
    return smsc.submitted.filter((sm) => set.has(sm.destination_addr)).map((sm) => sm.destination_addr);
  };
  const attemptsBy = async (prefix: string) => {
    const r = await sql<{ provider: string; outcome: string; n: number }>`
      SELECT a.provider, a.outcome, count(*)::int AS n FROM message_attempts a JOIN outbox_messages m ON m.id = a.message_id
       WHERE m.business_key LIKE ${`${prefix}:%`} GROUP BY 1, 2 ORDER BY 1, 2`.execute(database.db);
    return r.rows.map((x) => `${x.provider}:${x.outcome}:${x.n}`);
  };
  const sentBy = async (prefix: string) => {
    const r = await sql<{ provider: string; n: number }>`
      SELECT provider, count(*)::int AS n FROM outbox_messages WHERE business_key LIKE ${`${prefix}:%`} AND status = 'sent' GROUP BY 1 ORDER BY 1`.execute(database.db);
    return Object.fromEntries(r.rows.map((x) => [x.provider, x.n]));
  };
  /** The batch's messages by status, lease and last error, its attempts, and the providers' health. */
  const stateOf = async (prefix: string) => {
    const m = await sql<{ status: string; leased: boolean; last_error: string | null; n: number }>`
      SELECT status, leased_by IS NOT NULL AS leased, last_error, count(*)::int AS n FROM outbox_messages
       WHERE business_key LIKE ${`${prefix}:%`} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(database.db);
    const h = await sql<{ provider: string; healthy: boolean; reason: string | null }>`
      SELECT DISTINCT ON (provider) provider, healthy, reason FROM sms_provider_health ORDER BY provider, updated_at DESC`.execute(database.db);
    return JSON.stringify({ messages: m.rows, attempts: await attemptsBy(prefix), health: h.rows });
  };
  /** Every number accepted exactly once, on one SMSC or the other. */
  const onceEach = (wire: readonly string[]) => {
    const both = [...acceptedOn(primary, wire), ...acceptedOn(backup, wire)];
    assert.equal(both.length, wire.length, 'as many accepted sends as messages: none sent twice');
    assert.deepEqual(new Set(both), new Set(wire), 'every message accepted');
  };
  const healthOf = async (provider: string) => {
    const r = await sql<{ healthy: boolean }>`SELECT healthy FROM sms_provider_health WHERE provider = ${provider} ORDER BY updated_at DESC LIMIT 1`.execute(database.db);
    return r.rows[0]?.healthy;
  };

  test('the primary healthy: every message goes to it, and its attempts name it', async () => {
    const { prefix, wire } = await send(BATCH);
    await until(async () => (await sentCount(prefix)) === BATCH, 30_000, 'the batch sent');
    assert.equal(acceptedOn(primary, wire).length, BATCH);
    assert.equal(acceptedOn(backup, wire).length, 0, 'nothing on the backup');
    assert.deepEqual(await attemptsBy(prefix), [`primary:accepted:${BATCH}`]);
    assert.deepEqual(await sentBy(prefix), { primary: BATCH });
  });

  test('the primary stopped: new messages go to the backup, none to both; back, the primary takes over again', async () => {
    await primary.pause();
    primary.dropConnections();
    await until(async () => (await healthOf('primary')) === false, 10_000, 'the primary reported unhealthy');
    const down = await send(BATCH);
    await until(async () => (await sentCount(down.prefix)) === BATCH, 30_000, 'the batch sent during the outage');
    assert.equal(acceptedOn(primary, down.wire).length, 0);
    onceEach(down.wire);
    assert.deepEqual(await attemptsBy(down.prefix), [`backup:accepted:${BATCH}`], 'no attempt on the stopped primary');
    assert.deepEqual(await sentBy(down.prefix), { backup: BATCH });

    await primary.resume();
    // Bound again, then probed healthy for SMS_FAILOVER_RECOVERY_SECONDS.
    await until(async () => (await healthOf('primary')) === true, 20_000, 'the primary reported healthy again');
    const back = await send(BATCH);
    await until(async () => (await sentCount(back.prefix)) === BATCH, 30_000, 'the batch sent after the outage');
    assert.equal(acceptedOn(primary, back.wire).length, BATCH, 'the primary takes everything again');
    assert.equal(acceptedOn(backup, back.wire).length, 0);
    assert.deepEqual(await sentBy(back.prefix), { primary: BATCH });
  });

  test('the primary refusing most sends (failure rate above the threshold): the backup takes over, each message accepted once', async () => {
    primary.setBehaviour({ failStatus: 0x08 }); // ESME_RSYSERR: transient
    // Watched while the batch goes: probes (a bound session) let the primary back after a second.
    let seenUnhealthy = false;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        if ((await healthOf('primary')) === false) seenUnhealthy = true;
        await sleep(20);
      }
    })();
    try {
      const { prefix, wire } = await send(BATCH);
      // Generous: each refusal sends a message back to the queue for a retry, and under a loaded CI
      // the rounds of refusals, trips and probes take longer; a stuck batch still shows where it stood.
      await until(async () => (await sentCount(prefix)) === BATCH, 90_000, 'the batch sent', () => stateOf(prefix));
      watching = false;
      await watch;
      onceEach(wire);
      assert.equal(acceptedOn(primary, wire).length, 0, 'the primary accepted none');
      assert.ok(seenUnhealthy, 'the primary reported unhealthy');
      const attempts = await attemptsBy(prefix);
      assert.ok(attempts.includes(`backup:accepted:${BATCH}`), attempts.join(' '));
      const refused = Number(/^primary:transient:(\d+)$/.exec(attempts.find((a) => a.startsWith('primary:transient')) ?? '')?.[1]);
      // Taken out after the minimum of samples; what was already under way was refused too.
      assert.ok(refused >= 10 && refused <= 10 + 20 + BATCH, `refused attempts on the primary: ${refused}`);
      const row = await sql<{ reason: string; last_error: string | null }>`SELECT reason, last_error FROM sms_provider_health WHERE provider = 'primary' ORDER BY updated_at DESC LIMIT 1`.execute(database.db);
      assert.match(row.rows[0]?.last_error ?? '', /command_status 0x00000008/, 'the last error is the refusal');
    } finally {
      watching = false;
      primary.setBehaviour({ failStatus: 0 });
    }
    await until(async () => (await healthOf('primary')) === true, 20_000, 'the primary healthy again');
  });

  test('the primary lost with sends under way: those of unknown fate go to the backup, at most the in-flight bound of them twice', async (t) => {
    // Slow answers, so that sends are under way when the connection goes.
    primary.setBehaviour({ respondDelayMs: 300 });
    try {
      const { prefix, wire } = await send(BATCH);
      const mine = new Set(wire);
      await until(() => primary.received.filter((sm) => mine.has(sm.destination_addr)).length >= 5, 10_000, 'sends under way on the primary');
      await primary.pause();
      primary.dropConnections();
      await until(async () => (await sentCount(prefix)) === BATCH, 90_000, 'the batch sent', () => stateOf(prefix));
      const onPrimary = new Set(primary.received.filter((sm) => mine.has(sm.destination_addr)).map((sm) => sm.destination_addr));
      const onBackup = acceptedOn(backup, wire);
      assert.equal(new Set(onBackup).size, onBackup.length, 'the backup got each at most once');
      const twice = wire.filter((w) => onPrimary.has(w) && onBackup.includes(w));
      const unknown = await sql<{ recipient: string }>`
        SELECT m.recipient FROM message_attempts a JOIN outbox_messages m ON m.id = a.message_id
         WHERE m.business_key LIKE ${`${prefix}:%`} AND a.provider = 'primary' AND a.outcome = 'unknown'`.execute(database.db);
      const unknownNumbers = new Set(unknown.rows.map((r) => r.recipient.slice(1)));
      t.diagnostic(`${onPrimary.size} reached the primary, ${twice.length} of them also sent on the backup, ${unknownNumbers.size} attempts of unknown fate`);
      assert.ok(twice.length <= 20, `sent on both (${twice.length}) no more than the primary's inFlight (20)`);
      for (const w of twice) assert.ok(unknownNumbers.has(w) || acceptedOn(primary, [w]).length === 0, `${w} on both has its primary attempt recorded unknown`);
      assert.deepEqual(new Set([...acceptedOn(primary, wire), ...onBackup]), new Set(wire), 'every message accepted');
      assert.deepEqual(await sentBy(prefix), Object.fromEntries(Object.entries({ primary: acceptedOn(primary, wire).filter((w) => !onBackup.includes(w)).length, backup: onBackup.length }).filter(([, n]) => n > 0)));
    } finally {
      primary.setBehaviour({ respondDelayMs: 0 });
      await primary.resume();
    }
    await until(async () => (await healthOf('primary')) === true, 20_000, 'the primary healthy again');
  });

  test('the back-office providers page and /metrics show each provider with its health and share of traffic', async () => {
    await seedStaff(database);
    const app = Fastify({ logger: false });
    registerErrorHandler(app);
    await app.register(backofficeRoutes(root, { dryRun: async () => ({ plannedNotices: 0, figures: [] }) }));
    await app.ready();
    try {
      const page = await (await signIn(app, 'admin1')).get('/backoffice/providers');
      assert.equal(page.status, 200);
      assert.match(page.body, /<span class="mono">primary<\/span><\/td><td><span class="provider-health" data-health="healthy">работи<\/span>/);
      assert.match(page.body, /<span class="mono">backup<\/span><\/td><td><span class="provider-health" data-health="healthy">работи<\/span>/);
      const share = (attr: string, name: string) => Number(new RegExp(`data-${attr}="${name}">([\\d.]+)%`).exec(page.body)?.[1]);
      const hour = share('share-hour', 'primary') + share('share-hour', 'backup');
      assert.ok(Math.abs(hour - 100) < 0.2, `shares add up to 100%: ${hour}`);
      assert.ok(share('share-hour', 'backup') > 0, 'the backup carried part of the traffic');
      assert.ok(share('share-today', 'primary') > 0);
      assert.match(page.body, /smpp:\/\/127\.0\.0\.1:\d+/);
      assert.doesNotMatch(page.body, /user:pass/, 'no password shown');
    } finally {
      await app.close();
    }
    const server = await buildServer(root);
    const metrics = buildMetricsServer(server, { cacheMs: 0 });
    try {
      const body = (await metrics.inject({ url: '/metrics' })).body;
      assert.match(body, /^# TYPE izvestie_sms_provider_healthy gauge$/m);
      assert.match(body, /^izvestie_sms_provider_healthy\{provider="primary",order="1"\} 1$/m);
      assert.match(body, /^izvestie_sms_provider_healthy\{provider="backup",order="2"\} 1$/m);
      const share = (p: string) => Number(new RegExp(`^izvestie_sms_provider_traffic_share_last_hour\\{provider="${p}"\\} ([\\d.e-]+)$`, 'm').exec(body)?.[1]);
      assert.ok(Math.abs(share('primary') + share('backup') - 1) < 1e-9, body);
      assert.match(body, /^izvestie_sms_provider_attempts_today\{provider="backup",result="accepted"\} \d+$/m);
    } finally {
      await server.close();
    }
  });

  test('prefix routing: numbers with the prefix a provider is preferred for go to it, the rest to the primary', async () => {
    await worker.stop();
    const preferring = await assemble(loadConfig(env([smpp('primary', primary), smpp('backup', backup, { prefixes: ['88'] })])), silentLogger, database);
    worker = createWorker(preferring, tune);
    await worker.start();
    const numbers = ['+35988', '+35987', '+35989', '+35998', '+35999'];
    const { prefix, wire } = await send(50, (i) => `${numbers[i % numbers.length]}${String(serial * 1000 + i).padStart(7, '0')}`);
    await until(async () => (await sentCount(prefix)) === 50, 30_000, 'the batch sent');
    onceEach(wire);
    const on88 = wire.filter((w) => w.startsWith('35988'));
    assert.deepEqual(acceptedOn(backup, wire).sort(), on88.sort(), 'the 88-numbers, and only they, on the preferred provider');
    assert.equal(acceptedOn(primary, wire).length, 50 - on88.length);
  });
});

describe('several SMS providers: an HTTP gateway as the backup of an SMPP primary', { skip: postgres?.skip ?? 'no PostgreSQL backend' }, () => {
  let database: Awaited<ReturnType<typeof openTestPostgres>>;
  let primary: Smsc;
  let gateway: HttpGateway;
  let worker: Worker;
  let root: Root;

  before(async () => {
    database = await openTestPostgres();
    primary = await startSmsc();
    gateway = await startHttpGateway();
    const providers = [
      { name: 'a1', type: 'smpp', url: primary.url, rate: 500, inFlight: 20 },
      {
        // Not http-sms: its status reports come to /api/v1/delivery/http-sms/mobica/callback.
        name: 'mobica',
        type: 'http',
        url: gateway.url,
        rate: 500,
        bodyTemplate: { to: '{to}', text: '{text}', idd: '{ref}' },
        successPath: 'status',
        successValue: 'ok',
        providerIdPath: 'data.id',
        callbackSecret: 'a-long-shared-callback-secret',
        callbackMode: 'hmac',
      },
    ];
    const config = loadConfig({ DATABASE_URL: database.url, SMS_PROVIDERS: JSON.stringify(providers), SMS_QUIET_HOURS: 'off', SMS_FAILOVER_RECOVERY_SECONDS: '1' });
    root = await assemble(config, silentLogger, database);
    worker = createWorker(root, { pollIntervalMs: 200 });
    await worker.start();
  });
  after(async () => {
    await worker?.stop();
    await primary?.stop();
    await gateway?.stop();
    await database?.close();
  });

  const batch = async (prefix: string, n: number) => {
    const messages: NewMessage[] = Array.from({ length: n }, (_, i) => ({ businessKey: `${prefix}:${i}`, kind: TEXT_KIND, channel: 'sms', recipient: `+359899${prefix === 'up' ? 1 : 2}${String(i).padStart(5, '0')}`, body: `Izvestie ${i}` }));
    assert.equal(await enqueueMany(database.db, messages), n);
    await until(async () => {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages WHERE business_key LIKE ${`${prefix}:%`} AND status = 'sent'`.execute(database.db);
      return r.rows[0]?.n === n;
    }, 30_000, `${prefix} sent`);
    const r = await sql<{ provider: string; n: number }>`
      SELECT a.provider, count(*)::int AS n FROM message_attempts a JOIN outbox_messages m ON m.id = a.message_id WHERE m.business_key LIKE ${`${prefix}:%`} GROUP BY 1 ORDER BY 1`.execute(database.db);
    return { attempts: Object.fromEntries(r.rows.map((x) => [x.provider, x.n])), wire: new Set(messages.map((m) => m.recipient.slice(1))) };
  };
  const posted = (wire: Set<string>) => gateway.requests.filter((q) => q.method === 'POST' && wire.has(String((q.body as { to?: unknown } | undefined)?.to))).length;

  test('SMPP healthy: all on it; its bind lost: all through the gateway, each once, attempts naming it', async () => {
    const up = await batch('up', 20);
    assert.deepEqual(up.attempts, { a1: 20 });
    assert.equal(posted(up.wire), 0);
    await primary.pause();
    primary.dropConnections();
    const down = await batch('down', 20);
    assert.deepEqual(down.attempts, { mobica: 20 });
    assert.equal(posted(down.wire), 20, 'one request per message');
    assert.equal(primary.submitted.filter((sm) => down.wire.has(sm.destination_addr)).length, 0);
    await primary.resume();

    // The gateway's status report, at the route of its name, is recorded under its name.
    const request = gateway.requests.find((q) => q.method === 'POST' && down.wire.has(String((q.body as { to?: unknown }).to)));
    const ref = String((request?.body as { idd?: unknown }).idd);
    const body = JSON.stringify({ idd: ref, status: 'delivered' });
    const server = await buildServer(root);
    try {
      const signature = createHmac('sha256', 'a-long-shared-callback-secret').update(body, 'utf8').digest('hex');
      const r = await server.inject({ method: 'POST', url: '/api/v1/delivery/http-sms/mobica/callback', headers: { 'content-type': 'application/json', 'x-signature': signature }, payload: body });
      assert.equal(r.statusCode, 200, r.body);
    } finally {
      await server.close();
    }
    const message = await database.db.selectFrom('outbox_messages').select(['status', 'provider']).where('id', '=', Number(ref.replace(/^izv/, ''))).executeTakeFirstOrThrow();
    assert.deepEqual(message, { status: 'delivered', provider: 'mobica' });
  });
});

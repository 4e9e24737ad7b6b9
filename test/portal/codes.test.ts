import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { sandboxChannel } from '../../src/delivery/channels/sandbox.js';
import { defaultDeliveryConfig } from '../../src/delivery/config.js';
import { Worker } from '../../src/delivery/worker.js';
import { compareCode, recordTry } from '../../src/portal/codes.js';
import { describeEachBackend } from '../support/db.js';
import { apiClient, clock, DAY, lastCode, messagesTo, portalApp, resetCounters, seedCustomers, type Clock, type SeededCustomer } from './fixtures.js';
import { verificationCodeGuard } from '../../src/portal/code-guard.js';

const MIN = 60_000;

describeEachBackend('portal verification codes', (get) => {
  let app: FastifyInstance;
  let time: Clock;
  let customers: SeededCustomer[];
  const logs: string[] = [];
  let phoneSeq = 100;
  const phone = () => `+35988${String(10_000_000 + phoneSeq++).slice(1)}`;
  let ipSeq = 1;
  const ip = () => `192.0.2.${ipSeq++ % 250}`;

  before(async () => {
    customers = await seedCustomers(get(), 5_200_000_001, 30);
    time = clock();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    ({ app } = await portalApp(get(), { clock: time, logger: pino({ level: 'trace' }, sink) }));
  });
  after(async () => {
    await app.close();
  });
  const c = (i: number) => customers[i]!;

  async function registered(i: number, contacts: { sms?: string; email?: string }, at = ip()) {
    const api = apiClient(app, at);
    await api.identify(c(i));
    const r = await api.register(contacts);
    assert.equal(r.status, 202, JSON.stringify(r.json));
    return api;
  }

  test('a 6-digit code goes to the new contact; the subscription is pending until it is verified', async () => {
    const to = phone();
    const api = await registered(0, { sms: to });
    const code = await lastCode(get(), to);
    assert.match(code, /^[0-9]{6}$/);
    const [msg] = await messagesTo(get(), to);
    assert.equal(msg!.urgent, true);
    assert.equal(msg!.expires_at!.getTime() - time.now().getTime(), 10 * MIN);
    const sub = await get().db.selectFrom('subscriptions').select(['status', 'verified_at']).where('address', '=', to).executeTakeFirstOrThrow();
    assert.deepEqual(sub, { status: 'pending', verified_at: null });
    const ok = await api.verify('sms', code);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal((await get().db.selectFrom('subscriptions').select('status').where('address', '=', to).executeTakeFirstOrThrow()).status, 'active');
  });

  test('codes are kept only as a salted scrypt hash and never logged', async () => {
    const to = phone();
    const api = await registered(1, { sms: to });
    const code = await lastCode(get(), to);
    const row = await get().db.selectFrom('verification_codes').selectAll().where('address', '=', to).executeTakeFirstOrThrow();
    assert.ok(scryptSync(code, row.salt, 32, { N: 16_384, r: 8, p: 1 }).equals(row.code_hash), 'code_hash is scrypt(code, salt)');
    assert.ok(!JSON.stringify(row).includes(code), 'the code row does not hold the code');
    assert.equal((await api.verify('sms', code)).status, 200);
    assert.ok(logs.length > 0, 'the app did log');
    assert.ok(!logs.join('').includes(code), 'the code is in no log line');
    // Once used, the digits are blanked in the message too.
    assert.ok(!(await messagesTo(get(), to)).some((m) => `${m.body}${m.html}`.includes(code)));
  });

  test('a code is valid 10 minutes', async () => {
    const to = phone();
    const api = await registered(2, { sms: to });
    const code = await lastCode(get(), to);
    time.advance(10 * MIN);
    const late = await api.verify('sms', code);
    assert.equal(late.status, 422);
    assert.equal(late.json.error.details.reason, 'code_expired');
    assert.equal((await api.resend('sms')).status, 202);
    assert.equal((await api.verify('sms', await lastCode(get(), to))).status, 200);
  });

  test('5 tries, then even the right code is refused; each try says how many are left', async () => {
    const to = phone();
    const api = await registered(3, { sms: to });
    const code = await lastCode(get(), to);
    const wrong = code === '000000' ? '111111' : '000000';
    const left = [];
    for (let i = 0; i < 5; i++) {
      const r = await api.verify('sms', wrong);
      left.push(r.json.error.details.tries_left ?? r.json.error.details.reason);
    }
    assert.deepEqual(left, [4, 3, 2, 1, 'code_expired']);
    assert.equal((await api.verify('sms', code)).json.error.details.reason, 'code_expired');
    assert.ok(!(await messagesTo(get(), to)).some((m) => (m.body ?? '').includes(code)), 'the dead code is blanked in its message');
  });

  test('a code works once', async () => {
    const to = phone();
    const api = await registered(4, { sms: to });
    const code = await lastCode(get(), to);
    const row = await get().db.selectFrom('verification_codes').select(['id', 'session_hash']).where('address', '=', to).executeTakeFirstOrThrow();
    assert.equal((await api.verify('sms', code)).status, 200);
    assert.deepEqual(await compareCode(get().db, { sessionHash: row.session_hash, codeId: row.id, code, now: time.now() }), { dead: true });
    assert.deepEqual(await recordTry(get().db, { codeId: row.id, match: true, now: time.now() }), { ok: false, dead: true });
    assert.equal((await api.verify('sms', code)).status, 409, 'nothing awaits a code any more');
  });

  test('a resend replaces the old code: the old one stops working and its message is cancelled', async () => {
    const to = phone();
    const api = await registered(5, { sms: to });
    const first = await lastCode(get(), to);
    assert.equal((await api.resend('sms')).status, 202);
    const second = await lastCode(get(), to);
    const r = await api.verify('sms', first);
    if (first !== second) assert.equal(r.json.error.details.reason, 'wrong_code');
    const [oldMsg, newMsg] = (await messagesTo(get(), to)).filter((m) => m.kind === 'verification_code');
    assert.ok(!(oldMsg!.body ?? '').includes(first), 'the replaced code is blanked');
    const guard = verificationCodeGuard;
    const asMessage = (m: typeof oldMsg) => ({ payload: m!.payload }) as Parameters<typeof guard>[1];
    assert.equal(await guard(get().db, asMessage(oldMsg)), 'code replaced');
    assert.equal(await guard(get().db, asMessage(newMsg)), null);
    assert.equal((await api.verify('sms', second)).status, 200);
    assert.equal(await guard(get().db, asMessage(newMsg)), 'code used');
  });

  test('at most 3 codes per contact per day, across flows; a refused code leaves no pending subscription', async () => {
    const to = phone();
    const api = await registered(6, { sms: to });
    assert.equal((await api.resend('sms')).status, 202);
    assert.equal((await api.resend('sms')).status, 202);
    const fourth = await api.resend('sms');
    assert.equal(fourth.status, 429);
    assert.equal(fourth.json.error.details.reason, 'contact_daily_limit');
    const other = apiClient(app, ip());
    await other.identify(c(7));
    const refused = await other.register({ sms: to });
    assert.equal(refused.json.error.details.reason, 'contact_daily_limit', 'another customer number, the same contact');
    const pending = await get().db.selectFrom('subscriptions').select('id').where('customer_number', '=', c(7).customerNumber).execute();
    assert.deepEqual(pending, []);
    time.advance(DAY);
    assert.equal((await api.resend('sms')).status, 401, 'the flow itself has expired');
    const later = apiClient(app, ip());
    await later.identify(c(6));
    assert.equal((await later.register({ sms: to })).status, 202, 'a day later');
  });

  test('the hourly SMS budget stops verification SMS for everyone; email still works', async () => {
    await resetCounters(get());
    const { app: tight, clock: t } = await portalApp(get(), { clock: clock(new Date('2026-11-24T10:20:00Z')), env: { PORTAL_SMS_CODES_PER_HOUR: '2' } });
    try {
      const reg = async (i: number, contacts: { sms?: string; email?: string }) => {
        const api = apiClient(tight, ip());
        await api.identify(c(i));
        return api.register(contacts);
      };
      assert.equal((await reg(8, { sms: phone() })).status, 202);
      assert.equal((await reg(9, { sms: phone() })).status, 202);
      const over = await reg(10, { sms: phone() });
      assert.equal(over.status, 429);
      assert.equal(over.json.error.details.reason, 'sms_budget');
      assert.equal(Number(over.headers['retry-after']), 40 * 60, 'until the next clock hour');
      assert.equal((await reg(11, { email: 'budget@example.bg' })).status, 202);
      t.advance(40 * MIN);
      assert.equal((await reg(10, { sms: phone() })).status, 202);
    } finally {
      await tight.close();
    }
  });

  test('codes sent are limited per client IP', async () => {
    await resetCounters(get());
    const { app: tight } = await portalApp(get(), { clock: time, env: { PORTAL_IP_CODES_PER_HOUR: '2' } });
    try {
      const reg = async (i: number, at: string) => {
        const api = apiClient(tight, at);
        await api.identify(c(i));
        return api.register({ sms: phone() });
      };
      assert.equal((await reg(12, '203.0.113.50')).status, 202);
      assert.equal((await reg(13, '203.0.113.50')).status, 202);
      const third = await reg(14, '203.0.113.50');
      assert.equal(third.json.error.details.reason, 'ip_code_limit');
      assert.equal((await reg(14, '203.0.113.51')).status, 202);
    } finally {
      await tight.close();
    }
  });

  test('the worker sends live codes through the sandbox and cancels replaced ones', async () => {
    const to = phone();
    const api = await registered(15, { sms: to });
    await api.resend('sms');
    const worker = new Worker({
      db: get().db,
      guards: { verification_code: verificationCodeGuard },
      channels: [sandboxChannel('sms'), sandboxChannel('email')],
      config: { ...defaultDeliveryConfig, sendWindows: { sms: null, email: null } },
      render: () => {
        throw new Error('portal messages carry their texts');
      },
    });
    await worker.drain();
    await worker.stop();
    const codes = (await messagesTo(get(), to)).filter((m) => m.kind === 'verification_code');
    assert.deepEqual(
      codes.map((m) => [m.status, m.cancel_reason, m.provider]),
      [
        ['cancelled', 'code replaced', null],
        ['sent', null, 'sandbox'],
      ],
    );
  });
});

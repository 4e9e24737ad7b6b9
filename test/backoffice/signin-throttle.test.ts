// Sign-in throttling: one address spraying many user names gets 429 after a handful, counted in
// PostgreSQL so that two processes share the count; a lockout shuts an account from the attacker's
// address, and only briefly everywhere, so the rightful user still signs in from their own place.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { purgeSessions } from '../../src/backoffice/sessions.js';
import { testConfig } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { PASSWORD, backofficeApp, clock, seedStaff, type Clock } from './support.js';

/** One sign-in attempt from a client address, with the form's token as a browser would have it. */
async function signInFrom(app: FastifyInstance, ip: string, username: string, password: string) {
  const form = await app.inject({ method: 'GET', url: '/backoffice/login', remoteAddress: ip });
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const cookie = (form.cookies as Array<{ name: string; value: string }>).map((c) => `${c.name}=${c.value}`).join('; ');
  const r = await app.inject({
    method: 'POST',
    url: '/backoffice/login',
    remoteAddress: ip,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: token, username, password }).toString(),
  });
  return { status: r.statusCode, retryAfter: r.headers['retry-after'] };
}

describeEachBackend('back-office sign-in throttling', (get) => {
  let one: FastifyInstance;
  let two: FastifyInstance;
  let clk: Clock;
  before(async () => {
    clk = clock();
    // Two processes over one database, as `izvestie start` on two machines would be.
    ({ app: one } = await backofficeApp(get(), { clock: clk }));
    ({ app: two } = await backofficeApp(get(), { clock: clk }));
    await seedStaff(get());
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  test('password spraying from one address: 429 after 10 failures across both processes; the attempts are audited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const name = i % 4 === 0 ? ['agent1', 'supervisor1', 'admin1'][i % 3]! : `user${i}`;
      statuses.push((await signInFrom(i % 2 ? one : two, '203.0.113.9', name, `Spring2026! ${i}`)).status);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.deepEqual(statuses.slice(10), Array(30).fill(429));
    const r = await signInFrom(one, '203.0.113.9', 'agent1', PASSWORD);
    assert.equal(r.status, 429, 'the right password too: the address is refused before any account is looked at');
    assert.ok(Number(r.retryAfter) > 0 && Number(r.retryAfter) <= 15 * 60);
    assert.equal((await signInFrom(two, '198.51.100.20', 'agent1', PASSWORD)).status, 303, 'another address is not affected');
    const db = get().db;
    const failed = await db.selectFrom('audit_events').select('details').where('action', '=', 'staff.sign_in_failed').execute();
    assert.equal(failed.filter((e) => e.details.ip === '203.0.113.9').length, 10);
    assert.equal((await db.selectFrom('audit_events').select('id').where('action', '=', 'staff.sign_in_throttled').execute()).length, 1);
    clk.advance(15 * 60_000 + 1000);
    assert.equal((await signInFrom(one, '203.0.113.9', 'agent1', PASSWORD)).status, 303, 'the address is let in again after its window');
  });

  test('an attacker failing on purpose locks the account from their address only; the rightful user signs in from theirs', async () => {
    const attacker = '192.0.2.66';
    const office = '10.20.30.40';
    for (let i = 0; i < 5; i++) assert.equal((await signInFrom(one, attacker, 'supervisor1', `wrong guess ${i}`)).status, 401);
    // The fifth failure starts the short user-wide back-off: everyone waits a minute.
    assert.equal((await signInFrom(two, office, 'supervisor1', PASSWORD)).status, 401);
    clk.advance(61_000);
    // The attacker keeps failing (and trying the right password) from their address: still locked there.
    for (let i = 0; i < 3; i++) assert.equal((await signInFrom(two, attacker, 'supervisor1', `again ${i}`)).status, 401);
    assert.equal((await signInFrom(one, attacker, 'supervisor1', PASSWORD)).status, 401);
    assert.equal((await signInFrom(two, office, 'supervisor1', PASSWORD)).status, 303);
    const locked = await get().db.selectFrom('audit_events').select('details').where('action', '=', 'staff.locked').where('subject', '=', 'staff_user:supervisor1').execute();
    assert.ok(locked.some((e) => e.details.ip === attacker));
    // The lock at the attacker's address ends by itself.
    clk.advance(15 * 60_000);
    assert.equal((await signInFrom(one, attacker, 'supervisor1', PASSWORD)).status, 303);
  });

  test('housekeeping removes counters whose window and lock have ended, and keeps live ones', async () => {
    const db = get().db;
    const keys = async () => (await sql<{ key: string }>`SELECT key FROM staff_signin_counters`.execute(db)).rows.map((r) => r.key);
    await signInFrom(one, '192.0.2.99', 'agent1', 'a wrong password');
    await purgeSessions(db, testConfig().backoffice, clk.now());
    assert.ok((await keys()).includes('192.0.2.99'), 'a live window is kept');
    await purgeSessions(db, testConfig().backoffice, new Date(clk.now().getTime() + 16 * 60_000));
    assert.deepEqual(await keys(), []);
  });
});

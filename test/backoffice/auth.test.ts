import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { base32Decode, totp } from '../../src/backoffice/totp.js';
import { findUser, setRole } from '../../src/backoffice/users.js';
import { describeEachBackend } from '../support/db.js';
import { PASSWORD, backofficeApp, client, seedStaff, signIn, type Clock } from './support.js';

const MIN = 60_000;

describeEachBackend('back-office sign-in and sessions', (get) => {
  let app: FastifyInstance;
  let clk: Clock;
  let staff: Awaited<ReturnType<typeof seedStaff>>;
  before(async () => {
    // Every request here comes from one address: its throttle (signin-throttle.test.ts) is set aside.
    ({ app, clock: clk } = await backofficeApp(get(), { env: { BACKOFFICE_SIGNIN_ADDRESS_FAILURES: '1000' } }));
    staff = await seedStaff(get());
  });
  after(async () => {
    await app.close();
  });

  const audit = async (action: string, subject: string) =>
    get().db.selectFrom('audit_events').selectAll().where('action', '=', action).where('subject', '=', subject).orderBy('id', 'desc').execute();

  test('the right password signs in with a Secure, HttpOnly, SameSite=Strict cookie whose token is stored hashed', async () => {
    const c = client(app);
    const login = await c.get('/backoffice/login');
    assert.equal(login.status, 200);
    assert.match(login.body, /Вход за служители/);
    const r = await c.post('/backoffice/login', { username: 'Agent1', password: PASSWORD });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/backoffice/');
    const setCookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((s) => s.startsWith('__Host-izvestie-staff='));
    assert.ok(setCookie);
    assert.match(setCookie, /; Path=\//);
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; Secure/);
    assert.match(setCookie, /; SameSite=Strict/);
    const token = c.cookies.get('__Host-izvestie-staff') ?? '';
    const rows = await get().db.selectFrom('staff_sessions').select('token_hash').execute();
    assert.ok(rows.some((x) => x.token_hash.equals(createHash('sha256').update(token).digest())));
    assert.ok(!rows.some((x) => x.token_hash.toString('base64url') === token));
    const home = await c.get('/backoffice/');
    assert.equal(home.status, 200);
    assert.match(home.body, /agent 1/);
    assert.ok((await audit('staff.signed_in', 'staff_user:agent1')).length >= 1);
  });

  test('a wrong password and an unknown user get the same answer; both are audited', async () => {
    const c = client(app);
    await c.get('/backoffice/login');
    const wrong = await c.post('/backoffice/login', { username: 'supervisor1', password: 'not the password' });
    await c.get('/backoffice/login');
    const unknown = await c.post('/backoffice/login', { username: 'nobody', password: 'not the password' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const text = (b: string) => /error-summary[\s\S]*?<a href="#username">([^<]+)</.exec(b)?.[1];
    assert.ok(text(wrong.body));
    assert.equal(text(wrong.body), text(unknown.body));
    assert.equal((await audit('staff.sign_in_failed', 'staff_user:supervisor1'))[0]?.details.reason, 'wrong_password');
    const anon = await get().db.selectFrom('audit_events').selectAll().where('action', '=', 'staff.sign_in_failed').where('actor', '=', 'anonymous').execute();
    assert.ok(anon.some((a) => a.details.username === 'nobody'));
  });

  test('five wrong passwords lock the account: the right one is refused until the lock ends or an admin unlocks it', async () => {
    const c = client(app);
    for (let i = 0; i < 5; i++) {
      await c.get('/backoffice/login');
      assert.equal((await c.post('/backoffice/login', { username: 'supervisor1', password: `wrong ${i} xxxxxxxx` })).status, 401);
    }
    // One failure was counted by the test before: the lock came with the fifth in a row.
    await c.get('/backoffice/login');
    assert.equal((await c.post('/backoffice/login', { username: 'supervisor1', password: PASSWORD })).status, 401);
    assert.ok((await audit('staff.locked', 'staff_user:supervisor1')).length >= 1);
    const u = await get().db.selectFrom('staff_users').select(['id', 'locked_until']).where('username', '=', 'supervisor1').executeTakeFirstOrThrow();
    assert.ok(u.locked_until && u.locked_until > clk.now());
    // An admin unlocks it.
    const admin = await signIn(app, staff.admin);
    await admin.get(`/backoffice/users/${u.id}`);
    assert.equal((await admin.post(`/backoffice/users/${u.id}`, { action: 'unlock' })).status, 303);
    await signIn(app, 'supervisor1');
    // Locked again, it opens by itself after the lockout time.
    for (let i = 0; i < 5; i++) {
      await c.get('/backoffice/login');
      await c.post('/backoffice/login', { username: 'supervisor1', password: `wrong ${i} xxxxxxxx` });
    }
    await assert.rejects(signIn(app, 'supervisor1'), /failed: 401/);
    clk.advance(16 * MIN);
    await signIn(app, 'supervisor1');
  });

  test('the sign-in form needs its own token and a same-site request', async () => {
    const c = client(app);
    await c.get('/backoffice/login');
    assert.equal((await c.post('/backoffice/login', { username: 'agent1', password: PASSWORD }, { csrf: null })).status, 403);
    await c.get('/backoffice/login');
    assert.equal((await c.post('/backoffice/login', { username: 'agent1', password: PASSWORD }, { headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
    await c.get('/backoffice/login');
    assert.equal((await c.post('/backoffice/login', { username: 'agent1', password: PASSWORD }, { headers: { origin: 'https://evil.example' } })).status, 403);
  });

  test('pages need a session; forms need the session token', async () => {
    const anon = client(app);
    const r = await anon.get('/backoffice/customers?q=1');
    assert.equal(r.status, 303);
    assert.equal(r.location, `/backoffice/login?next=${encodeURIComponent('/backoffice/customers?q=1')}`);
    // After sign-in the user lands where they were going; never on another site.
    await anon.get(r.location);
    const s = await anon.post('/backoffice/login', { username: 'agent1', password: PASSWORD, next: '/backoffice/customers?q=1' });
    assert.equal(s.location, '/backoffice/customers?q=1');
    const other = client(app);
    await other.get('/backoffice/login');
    assert.equal((await other.post('/backoffice/login', { username: 'agent1', password: PASSWORD, next: '//evil.example/x' })).location, '/backoffice/');
    const c = await signIn(app, 'agent1');
    await c.get('/backoffice/account');
    assert.equal((await c.post('/backoffice/account/totp/start', {}, { csrf: 'x'.repeat(43) })).status, 403);
    assert.equal((await c.post('/backoffice/account/totp/start', {}, { csrf: null })).status, 403);
  });

  test('a session ends after 30 idle minutes, and 10 hours after sign-in however active', async () => {
    const c = await signIn(app, 'agent1');
    clk.advance(29 * MIN);
    assert.equal((await c.get('/backoffice/')).status, 200);
    clk.advance(31 * MIN);
    const idle = await c.get('/backoffice/');
    assert.equal(idle.status, 303);
    assert.match(idle.location ?? '', /ended=idle/);
    assert.match((await c.get(idle.location ?? '')).body, /Сесията Ви изтече/);
    const busy = await signIn(app, 'agent1');
    for (let i = 1; i <= 30; i++) {
      clk.advance(25 * MIN);
      const r = await busy.get('/backoffice/');
      if (r.status !== 200) {
        assert.equal(r.status, 303);
        assert.match(r.location ?? '', /ended=expired/);
        // 24 × 25 minutes = 10 hours: the first request at the absolute end finds it over.
        assert.equal(i, 24);
        return;
      }
    }
    assert.fail('the session never ended');
  });

  test('signing out ends the session on the server', async () => {
    const c = await signIn(app, 'agent1');
    const token = c.cookies.get('__Host-izvestie-staff') ?? '';
    await c.get('/backoffice/');
    assert.equal((await c.post('/backoffice/logout', {})).status, 303);
    const again = client(app);
    again.cookies.set('__Host-izvestie-staff', token);
    assert.equal((await again.get('/backoffice/')).status, 303);
  });

  test('TOTP: enrol with a code, then sign-in asks for a fresh code; a used or wrong code is refused', async () => {
    const c = await signIn(app, staff.supervisor);
    await c.get('/backoffice/account');
    await c.post('/backoffice/account/totp/start', {});
    const page = await c.get('/backoffice/account');
    const secret = base32Decode(/id="totp-secret">([A-Z2-7 ]+)</.exec(page.body)?.[1] ?? '');
    assert.equal(secret.length, 20);
    assert.equal((await c.post('/backoffice/account/totp/confirm', { code: '000000' })).status, 422);
    assert.equal((await c.post('/backoffice/account/totp/confirm', { code: totp(secret, clk.now()) })).status, 303);
    const id = (await get().db.selectFrom('staff_users').select('id').where('username', '=', staff.supervisor).executeTakeFirstOrThrow()).id;
    assert.equal((await findUser(get().db, id))?.totpEnabled, true);
    assert.ok((await audit('staff.totp_enabled', `staff_user:${staff.supervisor}`)).length === 1);

    // The code used to enrol is spent; the next step's code works.
    const d = client(app);
    await d.get('/backoffice/login');
    const r = await d.post('/backoffice/login', { username: staff.supervisor, password: PASSWORD });
    assert.match(r.location ?? '', /^\/backoffice\/login\/code/);
    // Half signed in: no page yet.
    assert.equal((await d.get('/backoffice/customers')).location, '/backoffice/login/code');
    await d.get('/backoffice/login/code');
    assert.equal((await d.post('/backoffice/login/code', { code: totp(secret, clk.now()) })).status, 401, 'a replayed code');
    clk.advance(30_000);
    const fresh = totp(secret, clk.now());
    const ok = await d.post('/backoffice/login/code', { code: fresh });
    assert.equal(ok.status, 303);
    assert.equal((await d.get('/backoffice/holds')).status, 200);
    const signedIn = await audit('staff.signed_in', `staff_user:${staff.supervisor}`);
    assert.equal(signedIn[0]?.details.factors, 'password+totp');
  });

  test('a role change takes effect at once: the user’s sessions end', async () => {
    const c = await signIn(app, 'agent1');
    assert.equal((await c.get('/backoffice/customers')).status, 200);
    const id = (await get().db.selectFrom('staff_users').select('id').where('username', '=', 'agent1').executeTakeFirstOrThrow()).id;
    await setRole(get().db, id, 'supervisor', 'test');
    assert.equal((await c.get('/backoffice/customers')).status, 303);
    await setRole(get().db, id, 'agent', 'test');
    const r = await get().db.selectFrom('audit_events').select('details').where('action', '=', 'staff.role_changed').where('subject', '=', 'staff_user:agent1').orderBy('id').execute();
    assert.deepEqual(r.map((x) => x.details), [{ from: 'agent', to: 'supervisor' }, { from: 'supervisor', to: 'agent' }]);
  });

  test('the last enabled admin cannot be demoted or disabled', async () => {
    const admin = await signIn(app, staff.admin);
    const id = (await get().db.selectFrom('staff_users').select('id').where('username', '=', staff.admin).executeTakeFirstOrThrow()).id;
    await admin.get(`/backoffice/users/${id}`);
    assert.equal((await admin.post(`/backoffice/users/${id}`, { action: 'role', role: 'agent' })).status, 409);
    assert.equal((await admin.post(`/backoffice/users/${id}`, { action: 'disable' })).status, 409);
    assert.equal((await findUser(get().db, id))?.role, 'admin');
  });
});

// Bad input gets a clear 4xx and stores nothing: NUL and lone surrogates in the search, a hold note,
// a staff display name and the sign-in form; a sign-in `next` with CR/LF or non-Latin-1 characters.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, client, seedCustomer, seedStaff, signIn, type Client } from './support.js';

describeEachBackend('back-office answers to NUL, lone surrogates and header-breaking input', (get) => {
  let app: FastifyInstance;
  let admin: Client;
  before(async () => {
    const database = get();
    ({ app } = await backofficeApp(database));
    await seedStaff(database);
    await seedCustomer(database, '3000000301');
    admin = await signIn(app, 'admin1');
  });
  after(async () => {
    await app.close();
  });

  test('the search, a hold note and a display name with NUL: 400 naming the field, nothing stored', async () => {
    // A form cannot carry a lone surrogate (URL encoding turns it into U+FFFD); the API test sends JSON.
    for (const bad of ['a\0b', '\0']) {
      const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      const hold = await admin.post('/backoffice/customers/3000000301/holds', { reason: 'complaint', until, note: bad });
      assert.equal(hold.status, 400);
      assert.match(hold.body, /body\.note/);
      const user = await admin.post('/backoffice/users', { username: 'newbie', display_name: bad, role: 'agent' });
      assert.equal(user.status, 400);
      assert.match(user.body, /body\.display_name/);
    }
    assert.equal((await admin.get('/backoffice/customers?q=a%00b')).status, 400);
    const db = get().db;
    assert.equal((await db.selectFrom('dunning_holds').select('id').execute()).length, 0);
    assert.equal((await db.selectFrom('staff_users').select('id').where('username', '=', 'newbie').execute()).length, 0);
  });

  test('sign-in: a NUL is refused before any check; other control characters fail like any wrong name, audited', async () => {
    const anon = client(app);
    await anon.get('/backoffice/login');
    assert.equal((await anon.post('/backoffice/login', { username: 'admin1\0', password: 'x' })).status, 400);
    await anon.get('/backoffice/login');
    const r = await anon.post('/backoffice/login', { username: 'evil\u0007\u202E\uFFFF', password: 'wrong password' });
    assert.equal(r.status, 401);
    const audited = await get().db.selectFrom('audit_events').select('details').where('action', '=', 'staff.sign_in_failed').execute();
    assert.ok(audited.some((e) => String(e.details.username).startsWith('evil')));
  });

  test('a `next` with CR/LF or non-Latin-1 characters falls back to the home page', async () => {
    for (const next of ['/backoffice/x%0D%0ASet-Cookie:%20a=b', '/backoffice/%D0%B0', '/backoffice/%C3%A9']) {
      const page = await client(app).get(`/backoffice/login?next=${next}`);
      assert.equal(page.status, 200, next);
      assert.match(page.body, /name="next" value="\/backoffice\/"/);
      const c = client(app);
      await c.get('/backoffice/login');
      const signed = await c.post('/backoffice/login', { username: 'agent1', password: 'correct horse battery staple', next: decodeURIComponent(next) });
      assert.equal(signed.status, 303, next);
      assert.equal(signed.location, '/backoffice/');
    }
  });
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { rateLimitKey } from '../../src/http/client-ip.js';
import { describeEachBackend } from '../support/db.js';
import { apiClient, clock, portalApp, seedCustomers, webClient, type Clock, type SeededCustomer } from './fixtures.js';

describeEachBackend('portal security', (get) => {
  let app: FastifyInstance;
  let time: Clock;
  let customers: SeededCustomer[];
  before(async () => {
    customers = await seedCustomers(get(), 5_500_000_001, 5);
    time = clock();
    ({ app } = await portalApp(get(), { clock: time }));
  });
  after(async () => {
    await app.close();
  });

  test('every form needs the session’s CSRF token and a same-site origin', async () => {
    const web = webClient(app);
    await web.get('/register/customer-number');
    const cases: Array<[string, Record<string, string>, { csrf?: string; headers?: Record<string, string> }]> = [
      ['no token', {}, { csrf: '' }],
      ['another token', {}, { csrf: 'x'.repeat(43) }],
      ['cross-site fetch', {}, { headers: { 'sec-fetch-site': 'cross-site' } }],
      ['foreign origin', {}, { headers: { origin: 'https://evil.example' } }],
    ];
    for (const [name, form, o] of cases) {
      const r = await web.post('/register/customer-number', { customer_number: customers[0]!.customerNumber, ...form }, o);
      assert.equal(r.status, 403, name);
      assert.match(r.body, /Страницата е изтекла/);
    }
    const ok = await web.post('/register/customer-number', { customer_number: customers[0]!.customerNumber }, { headers: { origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' } });
    assert.equal(ok.status, 303);
    const stranger = webClient(app);
    assert.equal((await stranger.post('/register/customer-number', { customer_number: customers[0]!.customerNumber }, { csrf: web.csrf })).status, 403, 'a token without its session');
  });

  test('security headers on pages and API: CSP without scripts or framing, HSTS, no-store', async () => {
    const page = await app.inject({ url: '/register/customer-number' });
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /form-action 'self'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.match(String(page.headers['strict-transport-security']), /max-age=31536000/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'same-origin');
    const api = await app.inject({ method: 'POST', url: '/api/v1/self-service/identity', payload: { customer_number: '1234', invoice_number: 'X', purpose: 'register' } });
    assert.equal(api.headers['cache-control'], 'no-store');
    assert.equal(api.headers['x-content-type-options'], 'nosniff');
    const css = await app.inject({ url: '/assets/portal.css' });
    assert.match(String(css.headers['cache-control']), /max-age/);
  });

  test('the session cookie is __Host-, Secure, HttpOnly and SameSite=Strict; it holds only a random token', async () => {
    const r = await app.inject({ url: '/manage/customer-number' });
    const cookie = r.cookies.find((x) => x.name === '__Host-izvestie');
    assert.ok(cookie);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
    const stored = await get().db.selectFrom('portal_sessions').select('token_hash').execute();
    assert.ok(stored.every((s) => !s.token_hash.toString('base64url').includes(cookie.value)), 'the database holds only its hash');
  });

  test('typed values come back escaped', async () => {
    const web = webClient(app);
    await web.get('/register/customer-number');
    const r = await web.post('/register/customer-number', { customer_number: '"><script>alert(1)</script>' });
    assert.equal(r.status, 422);
    assert.doesNotMatch(r.body, /<script>/);
    assert.match(r.body, /&quot;&gt;&lt;script&gt;/);
  });

  test('flows end 30 minutes after their last step', async () => {
    const api = apiClient(app, '192.0.2.200');
    await api.identify(customers[1]!);
    time.advance(29 * 60_000);
    assert.equal((await api.register({ email: 'late@example.bg' })).status, 202, 'each step renews the flow');
    time.advance(31 * 60_000);
    const r = await api.resend('email');
    assert.equal(r.status, 401);
    const web = webClient(app);
    await web.get('/register/customer-number');
    time.advance(31 * 60_000);
    assert.equal((await web.post('/register/customer-number', { customer_number: customers[1]!.customerNumber })).status, 403);
  });

  test('client IPs are keyed per address, IPv6 per /64', () => {
    assert.equal(rateLimitKey('::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(rateLimitKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(rateLimitKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(rateLimitKey('not an ip'), 'unknown');
  });
});
